using System.Net;
using Microsoft.Playwright;
using UPanel.Panel.Pages;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>Sign-in in a real browser, each test with its own panel (the failure counter is per panel and address).</summary>
public sealed class SignInBrowserTests : BrowserTests
{
    [Fact]
    public async Task A_page_without_a_session_gets_the_sign_in_page_while_the_apis_answer_401()
    {
        var page = await Chromium.NewPageAsync();

        await page.GotoAsync(new Uri(Panel.BaseAddress, "/servers/01ABC").ToString());

        Assert.EndsWith("/signin?return=%2Fservers%2F01ABC", page.Url);
        Assert.Equal("Sign in", await page.TextContentAsync("h1"));
        using var api = await Panel.Client.GetAsync("/api/admin/servers", TestContext.Current.CancellationToken);
        await Auth.AssertUnauthorizedAsync(api);
        using var ui = await Panel.Client.GetAsync("/ui/servers.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, ui.StatusCode);
    }

    [Fact]
    public async Task Wrong_key_is_refused_and_repeated_failures_are_rate_limited()
    {
        var page = await Chromium.NewPageAsync();

        for (var attempt = 0; attempt < SignInThrottle.MaxFailures; attempt++)
        {
            await Browser.SignInAsync(page, Panel.BaseAddress, "not-the-key");
            Assert.Equal("That is not the admin key.", await page.TextContentAsync("#signin-error"));
        }

        // Now even the right key waits: the address is throttled, not the key.
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        Assert.StartsWith("Too many failed sign-ins from this address", await page.TextContentAsync("#signin-error"));
        Assert.EndsWith("/signin", page.Url);

        Panel.Time.Advance(SignInThrottle.Window);
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        Assert.Equal(new Uri(Panel.BaseAddress, "/").ToString(), page.Url);
        Assert.Equal("Servers", await page.TextContentAsync("h1"));
        Assert.Contains("No servers yet", await page.TextContentAsync("#empty"));
    }

    [Fact]
    public async Task Session_cookie_is_http_only_and_same_site_strict_and_sign_out_ends_it()
    {
        var context = await Chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);

        var session = (await context.CookiesAsync()).Single(c => c.Name == "upanel_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        await page.ClickAsync("#signout");
        Assert.EndsWith("/signin", page.Url);
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/").ToString());
        Assert.EndsWith("/signin?return=%2F", page.Url);
    }

    [Fact]
    public async Task A_form_post_without_the_anti_forgery_token_is_refused()
    {
        var context = await Chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);

        var response = await context.APIRequest.PostAsync(new Uri(Panel.BaseAddress, "/servers/new").ToString(), new() { Form = context.APIRequest.CreateFormData() });

        Assert.Equal(400, response.Status);
        Assert.DoesNotContain("install-command", await response.TextAsync());
    }

    [Fact]
    public async Task A_server_that_never_reported_says_so_and_revoking_it_from_the_page_asks_first()
    {
        var server = await Panel.NewServerAsync("quiet-host");
        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        var dialogs = new List<string>();
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await (accept ? dialog.AcceptAsync() : dialog.DismissAsync());
        };

        await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{server.ServerId}").ToString());
        Assert.Equal("never seen", await page.TextContentAsync("#status"));
        Assert.Contains("has not sent a heartbeat yet", await page.TextContentAsync("#never-seen"));
        Assert.Equal("—", await page.TextContentAsync("#container-count"));
        await page.Locator("#charts[data-loaded='1h']").WaitForAsync();
        Assert.Equal("No data in this range", await page.TextContentAsync("#chart-cpu .nodata"));

        // Dismissed: nothing happens.
        await page.ClickAsync("#revoke button");
        Assert.Single(dialogs);
        Assert.Contains("cannot be undone", dialogs[0]);
        Assert.Equal("never_seen", (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}")).GetProperty("status").GetString());

        accept = true;
        await page.ClickAsync("#revoke button");
        await page.Locator("#revoked-notice").WaitForAsync();
        Assert.Equal("revoked", await page.TextContentAsync("#status"));
        Assert.Equal(0, await page.Locator("#revoke").CountAsync());
        Assert.Equal("revoked", (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}")).GetProperty("status").GetString());
        using var heartbeat = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        await Auth.AssertUnauthorizedAsync(heartbeat);
    }
}
