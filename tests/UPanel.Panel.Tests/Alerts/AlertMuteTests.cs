using System.Net;
using UPanel.Panel.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// Mutes and repeats in the running panel, with a real HTTP receiver: a muted alert is recorded and not sent; one
/// still firing when its mute is removed or runs out is sent then; a repeat interval sends a firing alert again.
/// </summary>
public abstract class AlertMuteTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_muted_servers_alert_is_recorded_not_sent_and_sent_once_the_mute_is_removed_while_it_still_fires()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var muted = await Panel.NewServerAsync("muted-host");
        var open = await Panel.NewServerAsync("open-host");
        var muteId = await Panel.MuteAsync(muted.ServerId, null, Panel.Time.GetUtcNow().AddHours(1));
        var listed = Assert.Single((await Panel.AdminGetAsync("/api/admin/mutes")).GetProperty("mutes").EnumerateArray(), m => m.GetProperty("id").GetString() == muteId);
        Assert.Equal(("muted-host", false), (listed.GetProperty("hostname").GetString(), listed.TryGetProperty("container", out _)));

        foreach (var server in (UPanel.Contracts.RegisterResponse[])[muted, open])
        {
            await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running")));
            await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 1)));
        }

        // The open server's alert arrives; the muted one's was committed before it, with no notification.
        await receiver.WaitForAsync(r => r.IsFor(open.ServerId), 1);
        var recorded = Assert.Single(await Panel.WaitForAlertsAsync(muted.ServerId, 1));
        Assert.Equal(("container_exited", "firing", true), (recorded.GetProperty("kind").GetString(), recorded.GetProperty("state").GetString(), recorded.GetProperty("muted").GetBoolean()));
        Assert.DoesNotContain(receiver.Received, r => r.IsFor(muted.ServerId));

        using (var removed = await Panel.SendAsync(HttpMethod.Delete, $"/api/admin/mutes/{muteId}", Panel.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var late = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(muted.ServerId), 1));
        Assert.Equal(("alert.firing", "container_exited"), (late.Json.GetProperty("event").GetString(), late.Json.GetProperty("kind").GetString()));
        Assert.Equal($"{recorded.GetProperty("id").GetInt64()}", late.Headers[NotificationPayload.EventHeader]);

        // Whoever heard of it hears of its end.
        await Panel.HeartbeatEvaluatedAsync(muted, Panel.Heartbeat(muted.ServerId, 3, Panel.Container("web", "running")));
        var both = await receiver.WaitForAsync(r => r.IsFor(muted.ServerId), 2);
        Assert.Equal("alert.resolved", both[1].Json.GetProperty("event").GetString());
        Assert.DoesNotContain((await Panel.AdminGetAsync("/api/admin/mutes")).GetProperty("mutes").EnumerateArray(), m => m.GetProperty("id").GetString() == muteId);
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_container_mute_keeps_back_that_containers_alert_and_its_resolution_and_no_other()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("container-mute-host");
        await Panel.MuteAsync(server.ServerId, "web", Panel.Time.GetUtcNow().AddHours(1));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running"), Panel.Container("worker", "running")));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 1), Panel.Container("worker", "exited", exitCode: 2)));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 3, Panel.Container("web", "running"), Panel.Container("worker", "exited", exitCode: 2)));

        var alerts = await Panel.WaitForAlertsAsync(server.ServerId, 3);
        Assert.Equal(
            [("web", "firing", true), ("worker", "firing", false), ("web", "resolved", true)],
            alerts.Select(a => (a.GetProperty("container").GetString(), a.GetProperty("state").GetString(), a.GetProperty("muted").GetBoolean())).OrderBy(a => a.Item2 == "resolved").ThenBy(a => a.Item1, StringComparer.Ordinal));
        var sent = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));
        Assert.Equal("worker", sent.Json.GetProperty("container").GetString());

        // Nothing for web afterwards either (another heartbeat evaluates the server again).
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 4, Panel.Container("web", "running"), Panel.Container("worker", "running")));
        Assert.Equal(2, (await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2)).Count);
        Assert.DoesNotContain(receiver.Received, r => r.IsFor(server.ServerId) && r.Body.Contains("\"container\":\"web\"", StringComparison.Ordinal));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_mute_that_runs_out_while_the_alert_still_fires_sends_it_at_the_next_sweep()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("slack", receiver.Url);
        var server = await Panel.NewServerAsync("mute-ends-host");
        await Panel.MuteAsync(server.ServerId, null, Panel.Time.GetUtcNow().AddMinutes(2));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running")));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 3)));
        await Panel.WaitForAlertsAsync(server.ServerId, 1);

        // 150 s: the mute has ended (120 s) and the server is not yet offline (180 s).
        Panel.Time.Advance(TimeSpan.FromSeconds(150));

        var sent = Assert.Single(await receiver.WaitForAsync(r => r.Body.Contains("mute-ends-host", StringComparison.Ordinal), 1));
        Assert.Equal("FIRING mute-ends-host/web: container web (web:1) exited with code 3", sent.Json.GetProperty("text").GetString());
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_repeat_interval_sends_a_firing_alert_again_as_a_notification_of_its_own_until_it_resolves()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("repeat-host");
        await Panel.AdminPutAsync($"/api/admin/servers/{server.ServerId}/alert-rules", """{"repeat_every_seconds":60,"server_offline":false}""");
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running")));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 1)));
        var first = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));

        Panel.Time.Advance(TimeSpan.FromSeconds(60));
        await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2);
        Panel.Time.Advance(TimeSpan.FromSeconds(60));
        var three = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 3);

        var id = first.Json.GetProperty("id").GetInt64();
        Assert.Equal([$"{id}", $"{id}.1", $"{id}.2"], three.Select(r => r.Headers[NotificationPayload.EventHeader]));
        Assert.All(three, r => Assert.Equal(("alert.firing", id), (r.Json.GetProperty("event").GetString(), r.Json.GetProperty("id").GetInt64())));
        Assert.Equal(2, three[2].Json.GetProperty("repeat").GetInt32());
        Assert.False(first.Json.TryGetProperty("repeat", out _));

        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 3, Panel.Container("web", "running")));
        var four = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 4);
        Assert.Equal("alert.resolved", four[3].Json.GetProperty("event").GetString());
        Panel.Time.Advance(TimeSpan.FromSeconds(60));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 4, Panel.Container("web", "running")));
        await Panel.WaitForAlertsAsync(server.ServerId, 2);
        Assert.Equal(4, receiver.Received.Count(r => r.IsFor(server.ServerId)));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Theory]
    [InlineData("""{}""", "until")]
    [InlineData("""{"until":"2020-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"until":"2999-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"until":"tomorrow"}""", "until")]
    [InlineData("""{"until":"{soon}","container":""}""", "container")]
    [InlineData("""{"until":"{soon}","container":"a\u202Eb"}""", "container")]
    [InlineData("""{"until":"{soon}","server":"x"}""", "server")]
    public async Task A_bad_mute_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var server = await Panel.NewServerAsync("bad-mute-host");
        var before = await Panel.AdminGetAsync("/api/admin/mutes");

        using var response = await Panel.SendAsync(
            HttpMethod.Post,
            $"/api/admin/servers/{server.ServerId}/mutes",
            Panel.AdminKey,
            body.Replace("{soon}", $"{Panel.Time.GetUtcNow().AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", StringComparison.Ordinal));

        var error = await PanelHost.ReadJsonAsync(response, 400);
        Assert.StartsWith(field + ": ", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.ToString(), (await Panel.AdminGetAsync("/api/admin/mutes")).ToString());
    }

    [Fact]
    public async Task Muting_an_unknown_server_or_ending_an_unknown_mute_is_404()
    {
        using var mute = await Panel.SendAsync(HttpMethod.Post, "/api/admin/servers/no-such-server/mutes", Panel.AdminKey, $$"""{"until":"{{Panel.Time.GetUtcNow().AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}""");
        using var end = await Panel.SendAsync(HttpMethod.Delete, "/api/admin/mutes/no-such-mute", Panel.AdminKey);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (mute.StatusCode, end.StatusCode));
    }
}

public sealed class AlertMuteTestsOnSqlite(SqlitePanelFixture fixture) : AlertMuteTests<SqlitePanelFixture>(fixture);

public sealed class AlertMuteTestsOnPostgres(PostgresPanelFixture fixture) : AlertMuteTests<PostgresPanelFixture>(fixture);
