using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using UPanel.Panel.Tests.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>
/// A form's result, reloaded in headless Chromium: each form posts once and answers with a redirect to a page, so a
/// reload asks that page again and does nothing twice. A secret made by the post is shown once, then never again.
/// </summary>
public sealed class ReloadBrowserTests : BrowserTests
{
    private readonly List<string> _posts = [];

    [Fact]
    public async Task A_rotated_token_is_shown_once_and_reloading_its_page_rotates_nothing()
    {
        var server = await Panel.NewServerAsync("rotate-host");
        var page = await SignedInPageAsync();
        await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{server.ServerId}").ToString());

        await page.ClickAsync("#rotate button");
        var shown = (await page.TextContentAsync("#new-token"))!.Trim();
        Assert.Equal(64, shown.Length);

        await page.ReloadAsync();

        Assert.Equal([$"/servers/{server.ServerId}/rotate-token"], _posts);
        Assert.Single(Panel.Logs.GetSnapshot(), r => r.Id.Id == 2021);
        Assert.DoesNotContain(shown, page.Url, StringComparison.Ordinal);
        Assert.EndsWith($"/servers/{server.ServerId}?done=token-rotated", page.Url);
        Assert.Equal(0, await page.Locator("#new-token").CountAsync());
        Assert.Contains("shown once", await page.TextContentAsync("#rotated-before"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#rotate button").CountAsync());
        Assert.DoesNotContain(Panel.Logs.GetSnapshot(), r => r.Message.Contains(shown, StringComparison.Ordinal));

        // Rotated once: the token shown is the server's (a second rotation would have replaced it), and once it is
        // used, the old one is refused.
        using (var withShown = await Panel.PostHeartbeatAsync(shown, Panel.NewHeartbeat(server.ServerId)))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, withShown.StatusCode);
        }

        using (var withOld = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId)))
        {
            await Auth.AssertUnauthorizedAsync(withOld);
        }
    }

    [Fact]
    public async Task An_install_token_is_shown_once_and_reloading_its_page_creates_no_other()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/servers/new").ToString());

        await page.ClickAsync("#new-token-form button");
        var command = (await page.TextContentAsync("#install-command"))!;
        var token = command[(command.LastIndexOf(' ') + 1)..];

        await page.ReloadAsync();

        Assert.Equal(["/servers/new"], _posts);
        Assert.Equal(1L, await CountAsync("install_tokens"));
        Assert.DoesNotContain(token, page.Url, StringComparison.Ordinal);
        Assert.EndsWith("/servers/new?done=install-token-created", page.Url);
        Assert.Equal(0, await page.Locator("#install-command").CountAsync());
        Assert.Contains("shown once", await page.TextContentAsync("#install-before"), StringComparison.Ordinal);
        Assert.Equal(26, (await Panel.RegisterAsync(token, "new-host")).ServerId.Length);

        // A notice its page has not shown yet goes with signing out.
        var formToken = await page.InputValueAsync("#new-token-form input[name=__RequestVerificationToken]");
        var posted = await page.APIRequest.PostAsync(
            new Uri(Panel.BaseAddress, "/servers/new").ToString(),
            new() { Form = page.APIRequest.CreateFormData().Set("__RequestVerificationToken", formToken), MaxRedirects = 0 });
        Assert.Equal((303, "/servers/new?done=install-token-created"), (posted.Status, posted.Headers["location"]));
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "upanel_notice");
        await page.ClickAsync("#signout");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "upanel_notice");
    }

    [Fact]
    public async Task A_webhook_secret_is_shown_once_and_reloading_adds_no_channel_and_sends_no_second_test()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var page = await SignedInPageAsync();
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        await page.SelectOptionAsync("#add-channel select[name=kind]", "webhook");
        await page.FillAsync("#add-channel input[name=url]", receiver.Url.ToString());

        await page.ClickAsync("#add-channel button[type=submit]");
        Assert.Equal(64, (await page.TextContentAsync("#channel-secret"))!.Length);
        await page.ReloadAsync();

        Assert.Equal(0, await page.Locator("#channel-secret").CountAsync());
        Assert.Contains("shown once", await page.TextContentAsync("#channel-added-before"), StringComparison.Ordinal);
        Assert.Single((await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray());

        await page.ClickAsync("#channels button[type=submit]");
        Assert.Equal("Test notification delivered: the channel answered with success.", await page.TextContentAsync("#test-result"));
        await page.ReloadAsync();

        Assert.Equal(0, await page.Locator("#test-result").CountAsync());
        Assert.Single(receiver.Received, r => r.Body.Contains("Test notification from UPanel", StringComparison.Ordinal));
        Assert.Equal(["/alert-channels", $"/alert-channels/{ChannelId(await ChannelsAsync())}/test"], _posts);
    }

    [Fact]
    public async Task Settings_rules_removal_and_revocation_say_what_they_did_once_and_a_reload_posts_nothing()
    {
        var server = await Panel.NewServerAsync("settings-host");
        var (channel, _) = await Panel.AddChannelAsync("slack", new Uri("https://hooks.slack.com/services/reload"));
        var page = await SignedInPageAsync();
        var detail = new Uri(Panel.BaseAddress, $"/servers/{server.ServerId}").ToString();

        await page.GotoAsync(detail);
        await page.FillAsync("#settings input[name=interval]", "30");
        await page.ClickAsync("#settings button[type=submit]");
        Assert.Equal("Saved. The agent gets the new interval with its next heartbeat.", await page.TextContentAsync("#settings-result"));
        await page.ReloadAsync();
        Assert.Equal((0, "30"), (await page.Locator("#settings-result").CountAsync(), await page.InputValueAsync("#settings input[name=interval]")));

        await page.ClickAsync("#revoke button");
        Assert.Equal("Revoked: the agent's heartbeats are refused from now on.", await page.TextContentAsync("#revoked-notice"));
        await page.ReloadAsync();
        Assert.Equal((0, "revoked"), (await page.Locator("#revoked-notice").CountAsync(), await page.TextContentAsync("#status")));

        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts/rules").ToString());
        await page.FillAsync("input[name=cpu_percent]", "70");
        await page.ClickAsync("#rules button[type=submit]");
        Assert.Equal("Saved.", await page.TextContentAsync("#rules-result"));
        await page.ReloadAsync();
        Assert.Equal((0, "70"), (await page.Locator("#rules-result").CountAsync(), await page.InputValueAsync("input[name=cpu_percent]")));

        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        await page.ClickAsync("#channels button.remove");
        Assert.Equal("Channel removed, with what it had not delivered.", await page.TextContentAsync("#channel-result"));
        await page.ReloadAsync();
        Assert.Equal((0, 1), (await page.Locator("#channel-result").CountAsync(), await page.Locator("#no-channels").CountAsync()));

        Assert.Equal(
            [$"/servers/{server.ServerId}/settings", $"/servers/{server.ServerId}/revoke", "/alerts/rules", $"/alert-channels/{channel}/remove"],
            _posts);
        Assert.Equal(0, Panel.UnhandledErrors);
    }

    /// <summary>A signed-in page whose every form post (the sign-in's aside) is recorded in <see cref="_posts"/>.</summary>
    private async Task<IPage> SignedInPageAsync()
    {
        var page = await Chromium.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        Assert.Equal(Panel.BaseAddress.ToString(), page.Url);
        page.Request += (_, request) =>
        {
            if (request.Method == "POST")
            {
                lock (_posts)
                {
                    _posts.Add(new Uri(request.Url).AbsolutePath);
                }
            }
        };
        return page;
    }

    private async Task<long> CountAsync(string table)
    {
        await using var connection = new SqliteConnection($"Data Source={Panel.Options.SqlitePath};Mode=ReadOnly");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task<List<System.Text.Json.JsonElement>> ChannelsAsync() =>
        [.. (await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray()];

    private static string ChannelId(List<System.Text.Json.JsonElement> channels) => Assert.Single(channels).GetProperty("id").GetString()!;
}
