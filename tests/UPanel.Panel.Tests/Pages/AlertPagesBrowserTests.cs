using Microsoft.Playwright;
using UPanel.Panel.Pages;
using UPanel.Panel.Tests.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>The alerts page and a server page's alerts section in headless Chromium, against alerts the running panel evaluated.</summary>
public sealed class AlertPagesBrowserTests : BrowserTests
{
    [Fact]
    public async Task The_alerts_page_shows_firing_first_then_the_history_the_channels_and_mutes_set_from_the_server_page()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await Panel.AddChannelAsync("slack", receiver.Url);
        var web = await Panel.NewServerAsync("web-host");
        await Panel.HeartbeatEvaluatedAsync(web, Panel.Heartbeat(web.ServerId, 1, Panel.Container("web", "running"), Panel.Container("cache", "running")));
        await Panel.HeartbeatEvaluatedAsync(web, Panel.Heartbeat(web.ServerId, 2, Panel.Container("web", "exited", exitCode: 1), Panel.Container("cache", "running")));
        var db = await Panel.NewServerAsync("db-host");
        await Panel.HeartbeatEvaluatedAsync(db, Panel.Heartbeat(db.ServerId, 1, Panel.Container("db", "running")));
        await Panel.HeartbeatEvaluatedAsync(db, Panel.Heartbeat(db.ServerId, 2, Panel.Container("db", "exited", exitCode: 2)));
        await Panel.HeartbeatEvaluatedAsync(db, Panel.Heartbeat(db.ServerId, 3, Panel.Container("db", "running")));
        foreach (var alert in (await Panel.AdminGetAsync("/api/admin/alerts")).GetProperty("alerts").EnumerateArray())
        {
            await Panel.WaitForDeliveriesAsync(alert.GetProperty("id").GetInt64(), log => log is [var d] && d.GetProperty("state").GetString() == "delivered");
        }

        // An e-mail channel (added once everything was delivered, removed after the page showed it: nothing listens there).
        using (var email = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, """{"kind":"email","host":"127.0.0.1","port":2525,"from":"alerts@upanel.example","to":["ops@upanel.example","oncall@upanel.example"]}"""))
        {
            await PanelHost.ReadJsonAsync(email, 201);
        }

        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);

        // The overview marks a server with alerts firing, linked to its history, and puts it first.
        await page.GotoAsync(Panel.BaseAddress.ToString());
        Assert.Equal("1 firing", await page.TextContentAsync($"#servers tr[data-id='{web.ServerId}'] a.firing"));
        Assert.Equal($"/alerts?server={web.ServerId}", await page.GetAttributeAsync($"#servers tr[data-id='{web.ServerId}'] a.firing", "href"));
        Assert.Equal(0, await page.Locator($"#servers tr[data-id='{db.ServerId}'] a.firing").CountAsync());
        Assert.Equal(web.ServerId, await page.GetAttributeAsync("#servers tbody tr:first-child", "data-id"));

        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());

        Assert.Equal("1", await page.TextContentAsync("#firing-count"));
        Assert.Equal(
            [["web-host", "Container exited", "web", "container web (web:1) exited with code 1"]],
            await RowsAsync(page, "#firing", [0, 1, 2, 4]));
        Assert.Equal(
            [
                ["db-host", "Container exited", "db", "resolved", "delivered"],
                ["db-host", "Container exited", "db", "firing", "delivered"],
                ["web-host", "Container exited", "web", "firing", "delivered"],
            ],
            await RowsAsync(page, "#history", [1, 2, 3, 4, 6]));
        Assert.Equal(
            [["slack", $"{receiver.Url.GetLeftPart(UriPartial.Authority)}/…"], ["email", "smtp://127.0.0.1:2525 to ops@upanel.example, oncall@upanel.example"]],
            await RowsAsync(page, "#channels", [0, 1]));
        Assert.DoesNotContain("secret-path-part", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#no-mutes").CountAsync());
        await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("alerts.png"), FullPage = true });
        var emailId = (await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "email").GetProperty("id").GetString()!;
        await Panel.DeleteChannelAsync(emailId);

        await page.ClickAsync("#channels button[type=submit]");
        Assert.Equal("Test notification delivered: the channel answered with success.", await page.TextContentAsync("#test-result"));
        Assert.Single(receiver.Received, r => r.Body.Contains("Test notification from UPanel", StringComparison.Ordinal));
        receiver.Status = _ => 502;
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        await page.ClickAsync("#channels button[type=submit]");
        Assert.Equal("Test notification not delivered: HTTP 502.", await page.TextContentAsync("#test-result"));

        // The history's filter.
        await page.SelectOptionAsync("#history-filter select[name=server]", web.ServerId);
        await page.ClickAsync("#history-filter button[type=submit]");
        Assert.Equal([["web-host", "firing"]], await RowsAsync(page, "#history", [1, 4]));

        // Mute one container from the server page: the firing alert says so, the alerts page lists the mute.
        await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{web.ServerId}").ToString());
        Assert.StartsWith("Container exited · container web (web:1) exited with code 1", await page.TextContentAsync("#server-firing li"));
        Assert.Equal(["The whole server", "Container cache", "Container web"], await page.Locator("#mute select[name=container] option").AllTextContentsAsync());
        await page.SelectOptionAsync("#mute select[name=container]", "web");
        await page.SelectOptionAsync("#mute select[name=for]", "4h");
        await page.ClickAsync("#mute button[type=submit]");

        var until = Html.Time(Panel.Time.GetUtcNow().AddHours(4));
        Assert.EndsWith($"/servers/{web.ServerId}#alerts", page.Url);
        Assert.Equal([["container web", until]], await RowsAsync(page, "#mutes", [0, 1]));
        Assert.Contains($"muted until {until}", await page.TextContentAsync("#server-firing li"), StringComparison.Ordinal);
        var mute = Assert.Single((await Panel.AdminGetAsync("/api/admin/mutes")).GetProperty("mutes").EnumerateArray());
        Assert.Equal(("web", web.ServerId), (mute.GetProperty("container").GetString(), mute.GetProperty("server_id").GetString()));

        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        Assert.Equal([["web-host", "container web", until]], await RowsAsync(page, "#mutes", [0, 1, 2]));
        await page.ClickAsync("#mutes button[type=submit]");
        Assert.EndsWith("/alerts", page.Url);
        Assert.Equal(1, await page.Locator("#no-mutes").CountAsync());
        Assert.Empty((await Panel.AdminGetAsync("/api/admin/mutes")).GetProperty("mutes").EnumerateArray());
    }

    [Fact]
    public async Task Rule_settings_are_set_on_the_pages_with_the_field_named_when_refused()
    {
        var server = await Panel.NewServerAsync("rules-host");
        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        await page.ClickAsync("#rules-link");

        Assert.Equal("90", await page.GetAttributeAsync("input[name=cpu_percent]", "placeholder"));
        Assert.Equal("default (on)", await page.TextContentAsync("select[name=ram_high] option[value='']"));

        await page.FillAsync("input[name=cpu_percent]", "101");
        await page.FillAsync("input[name=repeat_every_seconds]", "3600");
        await page.ClickAsync("#rules button[type=submit]");
        Assert.Equal("Not saved: cpu_percent: must be a finite number between 10 and 100", await page.TextContentAsync("#rules-result"));
        Assert.Equal(("101", "true", "3600"), (await page.InputValueAsync("input[name=cpu_percent]"), await page.GetAttributeAsync("input[name=cpu_percent]", "aria-invalid"), await page.InputValueAsync("input[name=repeat_every_seconds]")));
        Assert.Equal(0, (await Panel.AdminGetAsync("/api/admin/alert-rules")).GetProperty("repeat_every_seconds").GetInt32());

        await page.FillAsync("input[name=cpu_percent]", "70");
        await page.SelectOptionAsync("select[name=ram_high]", "false");
        await page.ClickAsync("#rules button[type=submit]");
        Assert.Equal("Saved.", await page.TextContentAsync("#rules-result"));
        var panel = await Panel.AdminGetAsync("/api/admin/alert-rules");
        Assert.Equal((70, false, 3600), (panel.GetProperty("cpu_percent").GetDouble(), panel.GetProperty("ram_high").GetBoolean(), panel.GetProperty("repeat_every_seconds").GetInt32()));

        // A server's own rules: blank follows the panel-wide ones, shown as placeholders.
        await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{server.ServerId}").ToString());
        await page.ClickAsync("#server-rules-link");
        Assert.Equal(("70", "panel-wide (off)"), (await page.GetAttributeAsync("input[name=cpu_percent]", "placeholder"), await page.TextContentAsync("select[name=ram_high] option[value='']")));
        await page.FillAsync("input[name=cpu_percent]", "abc");
        await page.ClickAsync("#rules button[type=submit]");
        Assert.Equal("Not saved: cpu_percent: must be a number (a dot for decimals) or blank", await page.TextContentAsync("#rules-result"));
        await page.FillAsync("input[name=cpu_percent]", "80.5");
        await page.ClickAsync("#rules button[type=submit]");
        Assert.Equal("Saved.", await page.TextContentAsync("#rules-result"));
        var own = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/alert-rules");
        Assert.Equal("""{"cpu_percent":80.5}""", own.GetProperty("own").GetRawText());
        Assert.Equal(3600, own.GetProperty("effective").GetProperty("repeat_every_seconds").GetInt32());
    }

    [Fact]
    public async Task Channels_are_added_and_removed_on_the_alerts_page_with_the_field_named_when_refused()
    {
        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        Assert.Equal(1, await page.Locator("#no-channels").CountAsync());

        // Refused: named as the API names it, the typed values kept, nothing stored.
        await page.SelectOptionAsync("#add-channel select[name=kind]", "slack");
        await page.FillAsync("#add-channel input[name=url]", "hooks.slack.com/no-scheme");
        await page.ClickAsync("#add-channel button[type=submit]");
        Assert.Equal("Not added: url: must be an absolute http(s) URL of at most 2048 characters, without user:password@", await page.TextContentAsync("#channel-result"));
        Assert.Equal(("hooks.slack.com/no-scheme", "true", "slack"), (
            await page.InputValueAsync("#add-channel input[name=url]"), await page.GetAttributeAsync("#add-channel input[name=url]", "aria-invalid"),
            await page.InputValueAsync("#add-channel select[name=kind]")));

        await page.SelectOptionAsync("#add-channel select[name=kind]", "email");
        await page.FillAsync("#add-channel input[name=host]", "127.0.0.1");
        await page.FillAsync("#add-channel input[name=from]", "alerts@upanel.example");
        await page.FillAsync("#add-channel input[name=to]", "ops@upanel.example, nobody");
        await page.ClickAsync("#add-channel button[type=submit]");
        Assert.Equal("Not added: to[1]: must be an e-mail address such as alerts@example.com", await page.TextContentAsync("#channel-result"));
        Assert.Equal("true", await page.GetAttributeAsync("#add-channel input[name=to]", "aria-invalid"));
        await page.FillAsync("#add-channel input[name=port]", "twenty-five");
        await page.ClickAsync("#add-channel button[type=submit]");
        Assert.Equal("Not added: port: must be a whole number between 1 and 65535", await page.TextContentAsync("#channel-result"));
        Assert.Empty((await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray());

        // Added: an e-mail channel (the URL field, for other kinds, is not sent), then a webhook whose secret is shown once.
        await page.FillAsync("#add-channel input[name=port]", "");
        await page.FillAsync("#add-channel input[name=to]", "ops@upanel.example, oncall@upanel.example");
        await page.ClickAsync("#add-channel button[type=submit]");
        Assert.Equal("Channel added.", await page.TextContentAsync("#channel-result"));
        await page.SelectOptionAsync("#add-channel select[name=kind]", "webhook");
        await page.FillAsync("#add-channel input[name=url]", "https://hooks.upanel.example/alerts");
        await page.ClickAsync("#add-channel button[type=submit]");
        var secret = await page.TextContentAsync("#channel-secret");
        Assert.Equal(64, secret!.Length);
        Assert.Equal(
            [["email", "smtp://127.0.0.1:587 to ops@upanel.example, oncall@upanel.example"], ["webhook", "https://hooks.upanel.example/…"]],
            await RowsAsync(page, "#channels", [0, 1]));
        var listed = (await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(["email", "webhook"], listed.Select(c => c.GetProperty("kind").GetString()));
        Assert.Equal(["ops@upanel.example", "oncall@upanel.example"], listed[0].GetProperty("to").EnumerateArray().Select(t => t.GetString()));

        // Removed from its row: the API no longer lists it.
        await page.ClickAsync("#channels tbody tr:first-child button.remove");
        Assert.Equal("Channel removed, with what it had not delivered.", await page.TextContentAsync("#channel-result"));
        Assert.Equal(["webhook"], (await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
        Assert.Equal(0, await page.Locator("#channel-secret").CountAsync());
    }

    /// <remarks>Forms bind their fields before any endpoint filter runs: a forged post once answered 500 there.</remarks>
    [Fact]
    public async Task Forms_posted_without_their_anti_forgery_token_are_refused_and_change_nothing()
    {
        var server = await Panel.NewServerAsync("forged-host");
        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);

        var mute = await page.APIRequest.PostAsync(
            new Uri(Panel.BaseAddress, $"/servers/{server.ServerId}/mutes").ToString(),
            new() { Form = page.APIRequest.CreateFormData().Set("container", "").Set("for", "1h") });
        var settings = await page.APIRequest.PostAsync(
            new Uri(Panel.BaseAddress, $"/servers/{server.ServerId}/settings").ToString(),
            new() { Form = page.APIRequest.CreateFormData().Set("interval", "30").Set("target", "") });

        var channel = await page.APIRequest.PostAsync(
            new Uri(Panel.BaseAddress, "/alert-channels").ToString(),
            new() { Form = page.APIRequest.CreateFormData().Set("kind", "slack").Set("url", "https://hooks.slack.com/services/forged") });

        Assert.Equal((400, 400, 400), (mute.Status, settings.Status, channel.Status));
        Assert.Empty((await Panel.AdminGetAsync("/api/admin/alert-channels")).GetProperty("channels").EnumerateArray());
        Assert.Contains("This form has expired", await mute.TextAsync(), StringComparison.Ordinal);
        Assert.Empty((await Panel.AdminGetAsync("/api/admin/mutes")).GetProperty("mutes").EnumerateArray());
        Assert.Equal(60, (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}")).GetProperty("next_heartbeat_seconds").GetInt32());
        Assert.Equal(0, Panel.UnhandledErrors);
    }

    /// <summary>The text of the given cells of each body row of a table.</summary>
    private static async Task<List<List<string>>> RowsAsync(IPage page, string table, int[] cells)
    {
        var rows = new List<List<string>>();
        foreach (var row in await page.Locator($"{table} tbody tr").AllAsync())
        {
            var texts = await row.Locator("td").AllInnerTextsAsync();
            rows.Add([.. cells.Select(i => texts[i].Trim())]);
        }

        return rows;
    }
}
