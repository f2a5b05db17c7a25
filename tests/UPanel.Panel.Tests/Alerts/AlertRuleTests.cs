using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>Rule settings through the admin API, panel-wide and per server, stored and used by the running evaluator.</summary>
public abstract class AlertRuleTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task The_panel_wide_rules_start_at_their_defaults_all_on()
    {
        var rules = await Panel.AdminGetAsync("/api/admin/alert-rules");

        Assert.Equal(3, rules.GetProperty("offline_after_intervals").GetInt32());
        Assert.Equal((90, 300), (rules.GetProperty("cpu_percent").GetDouble(), rules.GetProperty("cpu_for_seconds").GetInt32()));
        Assert.Equal((90, 300), (rules.GetProperty("ram_percent").GetDouble(), rules.GetProperty("ram_for_seconds").GetInt32()));
        Assert.Equal((90, 300), (rules.GetProperty("disk_percent").GetDouble(), rules.GetProperty("disk_for_seconds").GetInt32()));
        Assert.Equal((2, 300), (rules.GetProperty("load_per_core").GetDouble(), rules.GetProperty("load_for_seconds").GetInt32()));
        Assert.Equal(120, rules.GetProperty("unhealthy_for_seconds").GetInt32());
        Assert.Equal((3, 600), (rules.GetProperty("restart_loop_restarts").GetInt32(), rules.GetProperty("restart_loop_window_seconds").GetInt32()));
        Assert.Equal((3600, 60), (rules.GetProperty("agent_behind_for_seconds").GetInt32(), rules.GetProperty("clock_skew_seconds").GetInt32()));
        Assert.Equal(0, rules.GetProperty("repeat_every_seconds").GetInt32());
        string[] switches =
        [
            "server_offline", "cpu_high", "ram_high", "disk_high", "load_high", "disk_full_forecast", "agent_behind", "clock_skew", "token_failures", "container_exited",
            "container_oom_killed", "container_unhealthy", "container_restart_loop", "container_disappeared",
        ];
        Assert.All(switches, name => Assert.True(rules.GetProperty(name).GetBoolean(), name));
    }

    [Theory]
    [InlineData("""{"offline_after_intervals":1}""", "offline_after_intervals")]
    [InlineData("""{"cpu_percent":101}""", "cpu_percent")]
    [InlineData("""{"cpu_percent":"90"}""", "cpu_percent")]
    [InlineData("""{"cpu_percent":50,"ram_percent":5}""", "ram_percent")]
    [InlineData("""{"ram_for_seconds":-1}""", "ram_for_seconds")]
    [InlineData("""{"disk_for_seconds":86401}""", "disk_for_seconds")]
    [InlineData("""{"load_per_core":0}""", "load_per_core")]
    [InlineData("""{"unhealthy_for_seconds":1.5}""", "unhealthy_for_seconds")]
    [InlineData("""{"repeat_every_seconds":30}""", "repeat_every_seconds")]
    [InlineData("""{"restart_loop_restarts":1}""", "restart_loop_restarts")]
    [InlineData("""{"agent_behind_for_seconds":-1}""", "agent_behind_for_seconds")]
    [InlineData("""{"clock_skew_seconds":4}""", "clock_skew_seconds")]
    [InlineData("""{"clock_skew":1}""", "clock_skew")]
    [InlineData("""{"restart_loop_restarts":101}""", "restart_loop_restarts")]
    [InlineData("""{"restart_loop_window_seconds":59}""", "restart_loop_window_seconds")]
    [InlineData("""{"restart_loop_window_seconds":86401}""", "restart_loop_window_seconds")]
    [InlineData("""{"disk_high":"yes"}""", "disk_high")]
    [InlineData("""{"cpu_percnt":50}""", "cpu_percnt")]
    public async Task A_bad_setting_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var server = await Panel.NewServerAsync("bad-rules-host");
        foreach (var path in (string[])["/api/admin/alert-rules", $"/api/admin/servers/{server.ServerId}/alert-rules"])
        {
            var before = await Panel.AdminGetAsync(path);

            using var response = await Panel.SendAsync(HttpMethod.Put, path, Panel.AdminKey, body);

            var error = await PanelHost.ReadJsonAsync(response, 400);
            Assert.StartsWith(field + ": ", error.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(field, error.GetProperty("field").GetString());
            Assert.Equal(before.ToString(), (await Panel.AdminGetAsync(path)).ToString());
        }
    }

    [Fact]
    public async Task A_servers_own_settings_replace_the_panel_wide_ones_field_by_field()
    {
        var own = await Panel.NewServerAsync("own-rules-host");
        var other = await Panel.NewServerAsync("panel-rules-host");
        try
        {
            var panel = await Panel.AdminPutAsync("/api/admin/alert-rules", """{"cpu_percent":70,"ram_high":false,"repeat_every_seconds":3600}""");
            Assert.Equal((70, false, 3600, 90), (panel.GetProperty("cpu_percent").GetDouble(), panel.GetProperty("ram_high").GetBoolean(), panel.GetProperty("repeat_every_seconds").GetInt32(), panel.GetProperty("disk_percent").GetDouble()));

            var changed = await Panel.AdminPutAsync($"/api/admin/servers/{own.ServerId}/alert-rules", """{"cpu_percent":80.5,"repeat_every_seconds":0}""");

            Assert.Equal(own.ServerId, changed.GetProperty("server_id").GetString());
            Assert.Equal("""{"cpu_percent":80.5,"repeat_every_seconds":0}""", changed.GetProperty("own").GetRawText());
            var effective = changed.GetProperty("effective");
            Assert.Equal((80.5, false, 0), (effective.GetProperty("cpu_percent").GetDouble(), effective.GetProperty("ram_high").GetBoolean(), effective.GetProperty("repeat_every_seconds").GetInt32()));
            Assert.Equal(changed.ToString(), (await Panel.AdminGetAsync($"/api/admin/servers/{own.ServerId}/alert-rules")).ToString());
            var inherited = (await Panel.AdminGetAsync($"/api/admin/servers/{other.ServerId}/alert-rules")).GetProperty("effective");
            Assert.Equal((70, 3600), (inherited.GetProperty("cpu_percent").GetDouble(), inherited.GetProperty("repeat_every_seconds").GetInt32()));

            // An empty object sets nothing: the server follows the panel-wide settings again.
            var cleared = await Panel.AdminPutAsync($"/api/admin/servers/{own.ServerId}/alert-rules", "{}");
            Assert.Equal("{}", cleared.GetProperty("own").GetRawText());
            Assert.Equal(70, cleared.GetProperty("effective").GetProperty("cpu_percent").GetDouble());
        }
        finally
        {
            await Panel.AdminPutAsync("/api/admin/alert-rules", "{}");
        }

        Assert.Equal(90, (await Panel.AdminGetAsync("/api/admin/alert-rules")).GetProperty("cpu_percent").GetDouble());
    }

    [Fact]
    public async Task The_rules_of_an_unknown_server_are_404()
    {
        using var get = await Panel.SendAsync(HttpMethod.Get, "/api/admin/servers/no-such-server/alert-rules", Panel.AdminKey);
        using var put = await Panel.SendAsync(HttpMethod.Put, "/api/admin/servers/no-such-server/alert-rules", Panel.AdminKey, """{"cpu_percent":50}""");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get.StatusCode, put.StatusCode));
    }

    [Fact]
    public async Task The_running_panel_fires_at_a_servers_own_threshold_and_not_for_a_rule_it_switched_off()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var tuned = await Panel.NewServerAsync("tuned-host");
        var plain = await Panel.NewServerAsync("plain-host");
        await Panel.AdminPutAsync($"/api/admin/servers/{tuned.ServerId}/alert-rules", """{"cpu_percent":50,"cpu_for_seconds":0,"container_exited":false}""");

        foreach (var server in (UPanel.Contracts.RegisterResponse[])[tuned, plain])
        {
            var heartbeat = Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running"));
            await Panel.HeartbeatEvaluatedAsync(server, heartbeat with { Metrics = heartbeat.Metrics! with { CpuPercent = 60 } });
            heartbeat = Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 1));
            await Panel.HeartbeatEvaluatedAsync(server, heartbeat with { Metrics = heartbeat.Metrics! with { CpuPercent = 60 } });
        }

        var tunedSent = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(tuned.ServerId), 1));
        var plainSent = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(plain.ServerId), 1));
        Assert.Equal("cpu_high", tunedSent.Json.GetProperty("kind").GetString());
        Assert.Equal("CPU at 60 % (at or above 50 % for 0 s)", tunedSent.Json.GetProperty("summary").GetString());
        Assert.Equal("container_exited", plainSent.Json.GetProperty("kind").GetString());

        // What fired is what the evaluator committed: nothing else for either server.
        var alerts = (await Panel.AdminGetAsync("/api/admin/alerts")).GetProperty("alerts").EnumerateArray().ToList();
        Assert.Equal(["cpu_high"], Kinds(alerts, tuned.ServerId));
        Assert.Equal(["container_exited"], Kinds(alerts, plain.ServerId));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task The_running_panel_alerts_on_an_agent_not_at_its_target_version_and_on_a_skewed_clock_then_resolves_both()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("skewed-host");
        await Panel.AdminPutAsync($"/api/admin/servers/{server.ServerId}/alert-rules", """{"agent_behind_for_seconds":0}""");
        using (var settings = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey, """{"target_agent_version":"9.9.9"}"""))
        {
            await PanelHost.ReadJsonAsync(settings, 200);
        }

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, 1) with { ClockSkewSeconds = 120 });
        var behind = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1)).Json;
        Assert.Equal(("alert.firing", "agent_behind"), (behind.GetProperty("event").GetString(), behind.GetProperty("kind").GetString()));
        Assert.StartsWith("agent 1.0.0 is not at the target version 9.9.9 after 0 s", behind.GetProperty("summary").GetString(), StringComparison.Ordinal);
        await Poll.UntilAsync(
            async () => (await Panel.StoredAlertStateAsync(server.ServerId)).Pending.Keys.Any(k => k.Kind == AlertKind.ClockSkew), "the skew", TimeSpan.FromSeconds(30));

        // A heartbeat a minute (online all along): the skew has held for 5 min at the fifth.
        for (var minute = 1; minute <= 5; minute++)
        {
            Panel.Time.Advance(TimeSpan.FromMinutes(1));
            await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, 1 + minute) with { ClockSkewSeconds = 120 });
        }

        var skew = (await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2))[1].Json;
        Assert.Equal(("alert.firing", "clock_skew"), (skew.GetProperty("event").GetString(), skew.GetProperty("kind").GetString()));
        Assert.StartsWith("the server's clock is 120 s behind the panel's (more than 60 s for 5 min)", skew.GetProperty("summary").GetString(), StringComparison.Ordinal);

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, 7, agentVersion: "9.9.9") with { ClockSkewSeconds = 0 });
        var resolved = (await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 4)).Skip(2).Select(r => r.Json).ToList();
        Assert.Equal([("alert.resolved", "agent_behind"), ("alert.resolved", "clock_skew")], resolved.Select(r => (r.GetProperty("event").GetString(), r.GetProperty("kind").GetString())).Order());
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task Heartbeats_refused_for_their_token_alert_the_server_they_name_counted_once_a_minute_and_resolve_after_a_quiet_window()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("refused-host");
        var store = Panel.App.Services.GetRequiredService<AlertStore>();
        var wrongToken = new string('x', 64);
        async Task<string> RefusedAsync(string serverId)
        {
            using var response = await Panel.PostHeartbeatAsync(wrongToken, Panel.NewHeartbeat(serverId));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        async Task<int> StoredAsync(int count) => (await Poll.UntilAsync(
            () => store.ListTokenFailuresAsync(server.ServerId, DateTimeOffset.UnixEpoch, CancellationToken.None),
            failures => failures.Count >= count, $"{count} stored token failures", TimeSpan.FromSeconds(30))).Count;

        // The answer is the same 401 whatever the body names; an unknown server stores nothing.
        var unknown = await RefusedAsync("01J00000000000000000000000");
        Assert.Equal(unknown, await RefusedAsync(server.ServerId));
        Assert.Equal(1, await StoredAsync(1));

        // Within the same minute: not counted again. A minute later: counted.
        await RefusedAsync(server.ServerId);
        Panel.Time.Advance(TokenFailures.RecordEvery);
        await RefusedAsync(server.ServerId);
        Assert.Equal(2, await StoredAsync(2));
        Assert.DoesNotContain(receiver.Received, r => r.IsFor(server.ServerId));

        Panel.Time.Advance(TokenFailures.RecordEvery);
        await RefusedAsync(server.ServerId);
        var fired = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1)).Json;
        Assert.Equal(("alert.firing", "token_failures"), (fired.GetProperty("event").GetString(), fired.GetProperty("kind").GetString()));
        Assert.StartsWith("3 heartbeats naming this server were refused for their token within 15 min", fired.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, (await store.ListTokenFailuresAsync(server.ServerId, DateTimeOffset.UnixEpoch, CancellationToken.None)).Count);
        Assert.DoesNotContain(wrongToken, string.Join("\n", Panel.Logs.GetSnapshot().Select(r => r.Message)), StringComparison.Ordinal);

        // Fifteen quiet minutes: the next sweep resolves it.
        Panel.Time.Advance(TimeSpan.FromMinutes(15) + AlertService.SweepInterval);
        var resolved = (await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2))[1].Json;
        Assert.Equal(("alert.resolved", "token_failures"), (resolved.GetProperty("event").GetString(), resolved.GetProperty("kind").GetString()));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task The_fleet_status_follows_offline_after_intervals_in_the_api_and_on_the_pages()
    {
        var patient = await Panel.NewServerAsync("patient-host");
        var usual = await Panel.NewServerAsync("usual-host");
        await Panel.AdminPutAsync($"/api/admin/servers/{patient.ServerId}/alert-rules", """{"offline_after_intervals":5}""");
        await Panel.HeartbeatOkAsync(patient.AgentToken, Panel.NewHeartbeat(patient.ServerId));
        await Panel.HeartbeatOkAsync(usual.AgentToken, Panel.NewHeartbeat(usual.ServerId));

        // 200 s of 60 s intervals: past the default 3, within the patient server's 5.
        Panel.Time.Advance(TimeSpan.FromSeconds(200));

        Assert.Equal(("online", true, 300), Status(await Panel.AdminGetAsync($"/api/admin/servers/{patient.ServerId}")));
        Assert.Equal(("offline", false, 180), Status(await Panel.AdminGetAsync($"/api/admin/servers/{usual.ServerId}")));
        var listed = (await Panel.AdminGetAsync("/api/admin/servers")).GetProperty("servers").EnumerateArray().ToList();
        Assert.Equal(("online", true, 300), Status(listed.Single(s => s.GetProperty("id").GetString() == patient.ServerId)));
        Assert.Equal(("offline", false, 180), Status(listed.Single(s => s.GetProperty("id").GetString() == usual.ServerId)));

        var (playwright, browser) = await Pages.Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync();
            await Pages.Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
            async Task<Dictionary<string, string>> OverviewAsync()
            {
                var rows = await page.Context.APIRequest.GetAsync(new Uri(Panel.BaseAddress, "/ui/servers.json").ToString());
                return JsonDocument.Parse(await rows.TextAsync()).RootElement.EnumerateArray()
                    .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("status").GetString()!);
            }

            // Online but a heartbeat missed is "stale" on the pages; offline only past its own setting.
            var overview = await OverviewAsync();
            Assert.Equal(("stale", "offline"), (overview[patient.ServerId], overview[usual.ServerId]));
            await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{patient.ServerId}").ToString());
            Assert.Equal("stale", await page.TextContentAsync("#status"));

            // A panel-wide change moves every server that has no setting of its own.
            try
            {
                await Panel.AdminPutAsync("/api/admin/alert-rules", """{"offline_after_intervals":4}""");
                Assert.Equal(("online", true, 240), Status(await Panel.AdminGetAsync($"/api/admin/servers/{usual.ServerId}")));
                Assert.Equal("stale", (await OverviewAsync())[usual.ServerId]);
            }
            finally
            {
                await Panel.AdminPutAsync("/api/admin/alert-rules", "{}");
            }
        }
    }

    private static (string?, bool, int) Status(JsonElement server) =>
        (server.GetProperty("status").GetString(), server.GetProperty("online").GetBoolean(), server.GetProperty("offline_after_seconds").GetInt32());

    private static List<string?> Kinds(List<JsonElement> alerts, string serverId) =>
        [.. alerts.Where(a => a.GetProperty("server_id").GetString() == serverId).Select(a => a.GetProperty("kind").GetString())];
}

public sealed class AlertRuleTestsOnSqlite(SqlitePanelFixture fixture) : AlertRuleTests<SqlitePanelFixture>(fixture);

public sealed class AlertRuleTestsOnPostgres(PostgresPanelFixture fixture) : AlertRuleTests<PostgresPanelFixture>(fixture);
