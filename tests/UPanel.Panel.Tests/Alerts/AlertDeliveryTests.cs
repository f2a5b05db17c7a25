using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// Alerts end to end in the real panel: heartbeats over HTTP, the rules run by the alert service, state and outbox in
/// the database, notifications posted to a real HTTP receiver on 127.0.0.1. The panel's clock is fake: retries and
/// offline detection happen when the test moves it.
/// </summary>
public abstract class AlertDeliveryTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_container_that_exits_with_an_error_is_sent_once_signed_and_its_recovery_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, secret) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("exit-host");
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 1, Web("running")));

        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 2, Web("exited", exitCode: 1)));
        var fired = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));

        Assert.Equal(fired.SignatureWith(secret!), fired.Headers[NotificationPayload.SignatureHeader]);
        Assert.Equal(Panel.Time.GetUtcNow().ToUnixTimeSeconds(), fired.Timestamp);
        var body = fired.Json;
        Assert.Equal("alert.firing", body.GetProperty("event").GetString());
        Assert.Equal("container_exited", body.GetProperty("kind").GetString());
        Assert.Equal(server.ServerId, body.GetProperty("server_id").GetString());
        Assert.Equal("exit-host", body.GetProperty("hostname").GetString());
        Assert.Equal("web", body.GetProperty("container").GetString());
        Assert.Contains("exited with code 1", body.GetProperty("summary").GetString(), StringComparison.Ordinal);

        // The same exited container in the next heartbeat is not news; running again resolves it.
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 3, Web("exited", exitCode: 1)));
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 4, Web("running")));
        var both = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2);
        Assert.Equal(["alert.firing", "alert.resolved"], both.Select(r => r.Json.GetProperty("event").GetString()));

        var listed = await Panel.AdminGetAsync("/api/admin/alerts");
        Assert.Equal(["resolved", "firing"], listed.GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("server_id").GetString() == server.ServerId).Select(a => a.GetProperty("state").GetString()));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_channel_answering_500_gets_the_notification_again_later_exactly_once_and_a_stop_by_the_user_is_no_alert()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = n => n == 1 ? 500 : 200;
        var (channelId, _) = await Panel.AddChannelAsync("slack", receiver.Url);
        var server = await Panel.NewServerAsync("oom-host");
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 1, Web("running"), Worker("running")));

        // docker stop (143) is no alert; an OOM kill is.
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 2, Web("exited", exitCode: 137, oomKilled: true), Worker("exited", exitCode: 143)));
        await receiver.WaitForAsync(r => r.IsFor(server.ServerId) || r.Body.Contains("oom-host", StringComparison.Ordinal), 1);

        Panel.Time.Advance(NotificationSender.FirstRetry + NotificationSender.PollInterval);
        var sent = await receiver.WaitForAsync(r => r.Body.Contains("oom-host", StringComparison.Ordinal), 2);

        Assert.All(sent, r => Assert.StartsWith("FIRING oom-host/web: ", r.Json.GetProperty("text").GetString(), StringComparison.Ordinal));
        Assert.All(sent, r => Assert.Contains("running out of memory", r.Body, StringComparison.Ordinal));
        Assert.Equal(sent[0].Headers[NotificationPayload.EventHeader], sent[1].Headers[NotificationPayload.EventHeader]);

        // Delivered: not sent again at the next polls (well before the server would count as offline).
        Panel.Time.Advance(NotificationSender.PollInterval * 4);
        await new[] { Panel }.SenderRoundsAsync();
        Assert.Equal(2, receiver.Received.Count(r => r.Body.Contains("oom-host", StringComparison.Ordinal)));
        Assert.DoesNotContain(receiver.Received, r => r.Body.Contains("oom-host/worker", StringComparison.Ordinal));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_server_that_goes_quiet_is_offline_when_its_three_intervals_run_out_and_online_again_with_its_next_heartbeat()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("quiet-host");

        // The sweeps tick every 30 s from the panel's start: its last heartbeat a second after one, the sweeps come 29 s,
        // 59 s, … 179 s and 209 s later, so only the server's own grace timer finds it offline at 181 s.
        var sinceSweep = (Panel.Time.GetUtcNow() - Panel.Time.Start).Ticks % AlertService.SweepInterval.Ticks;
        Panel.Time.Advance(AlertService.SweepInterval - TimeSpan.FromTicks(sinceSweep) + TimeSpan.FromSeconds(1));
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 1, Web("running")));
        var service = Panel.App.Services.GetRequiredService<AlertService>();

        // Two intervals and a half (60 s each) is not offline yet; a second past three is.
        var evaluated = service.NextEvaluation;
        Panel.Time.Advance(TimeSpan.FromSeconds(150));
        await evaluated.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.DoesNotContain(receiver.Received, r => r.IsFor(server.ServerId));
        Panel.Time.Advance(TimeSpan.FromSeconds(31));
        var offline = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));
        Assert.Equal("server_offline", offline.Json.GetProperty("kind").GetString());
        Assert.StartsWith("no heartbeat for 3 min (offline after 3 intervals", offline.Json.GetProperty("summary").GetString(), StringComparison.Ordinal);

        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 2, Web("running")));
        var both = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2);
        Assert.Equal("alert.resolved", both[1].Json.GetProperty("event").GetString());
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task An_offline_server_is_judged_without_reading_its_latest_heartbeat_so_sweeping_quiet_servers_stays_cheap()
    {
        // A sweep evaluates every server every 30 s; one that went quiet is judged on that alone (its figures are stale),
        // so its latest heartbeat (JSON with its containers) and its hours of samples are not read. Shown by a latest
        // heartbeat that cannot be parsed: the evaluation that would read it fails, and no offline alert would go out.
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("unread-host");
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 1, Web("running")));
        await using (var connection = await fixture.OpenDatabaseAsync())
        await using (var spoil = connection.CreateCommand())
        {
            spoil.CommandText = $"UPDATE servers SET latest_heartbeat = '{{\"not\": a heartbeat' WHERE id = '{server.ServerId}'";
            Assert.Equal(1, await spoil.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        Panel.Time.Advance(TimeSpan.FromSeconds(181));
        var offline = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));
        Assert.Equal(("alert.firing", "server_offline"), (offline.Json.GetProperty("event").GetString(), offline.Json.GetProperty("kind").GetString()));

        // Back: its next heartbeat replaces the latest one and is read as before.
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 2, Web("exited", exitCode: 1)));
        var events = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 3);
        Assert.Equal(
            [("alert.firing", "container_exited"), ("alert.firing", "server_offline"), ("alert.resolved", "server_offline")],
            events.Select(r => (r.Json.GetProperty("event").GetString(), r.Json.GetProperty("kind").GetString())).Order());
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task The_delivery_log_shows_a_retry_with_the_channels_answer_and_then_the_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = _ => 503;
        var (channelId, _) = await Panel.AddChannelAsync("webhook", receiver.Url);
        var server = await Panel.NewServerAsync("log-host");
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 1, Web("running")));
        await Panel.HeartbeatEvaluatedAsync(server, Heartbeat(server.ServerId, 2, Web("exited", exitCode: 1)));
        var alertId = Assert.Single(await Panel.WaitForAlertsAsync(server.ServerId, 1)).GetProperty("id").GetInt64();

        var retrying = Assert.Single(await Panel.WaitForDeliveriesAsync(alertId, log => log is [var d] && d.GetProperty("state").GetString() == "retrying"));
        Assert.Equal((channelId, "webhook", 0, 1), (retrying.GetProperty("channel_id").GetString(), retrying.GetProperty("channel_kind").GetString(), retrying.GetProperty("repeat").GetInt32(), retrying.GetProperty("attempts").GetInt32()));
        Assert.Equal("HTTP 503", retrying.GetProperty("last_error").GetString());
        Assert.Equal(Panel.Time.GetUtcNow() + NotificationSender.FirstRetry, retrying.GetProperty("next_attempt_at").GetDateTimeOffset());
        Assert.False(retrying.TryGetProperty("delivered_at", out _));

        receiver.Status = _ => 200;
        Panel.Time.Advance(NotificationSender.FirstRetry + NotificationSender.PollInterval);
        var delivered = Assert.Single(await Panel.WaitForDeliveriesAsync(alertId, log => log is [var d] && d.GetProperty("state").GetString() == "delivered"));
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(Panel.Time.GetUtcNow(), delivered.GetProperty("delivered_at").GetDateTimeOffset());
        Assert.False(delivered.TryGetProperty("last_error", out _));
        Assert.False(delivered.TryGetProperty("next_attempt_at", out _));

        using var unknown = await Panel.SendAsync(HttpMethod.Get, "/api/admin/alerts/999999999/deliveries", Panel.AdminKey);
        using var garbage = await Panel.SendAsync(HttpMethod.Get, "/api/admin/alerts/abc/deliveries", Panel.AdminKey);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknown.StatusCode, garbage.StatusCode));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_test_notification_says_what_the_channel_answered_and_records_no_alert()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, secret) = await Panel.AddChannelAsync("webhook", receiver.Url);

        receiver.Status = _ => 500;
        using (var failed = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/alert-channels/{channelId}/test", Panel.AdminKey))
        {
            var result = await PanelHost.ReadJsonAsync(failed, 200);
            Assert.Equal((false, "HTTP 500"), (result.GetProperty("delivered").GetBoolean(), result.GetProperty("error").GetString()));
        }

        receiver.Status = _ => 200;
        using (var delivered = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/alert-channels/{channelId}/test", Panel.AdminKey))
        {
            var result = await PanelHost.ReadJsonAsync(delivered, 200);
            Assert.True(result.GetProperty("delivered").GetBoolean());
            Assert.False(result.TryGetProperty("error", out _));
        }

        var tests = receiver.Received.Where(r => r.Json.TryGetProperty("kind", out var kind) && kind.GetString() == "test").ToList();
        Assert.Equal(2, tests.Count);
        Assert.Equal(tests[1].SignatureWith(secret!), tests[1].Headers[NotificationPayload.SignatureHeader]);
        Assert.Equal("Test notification from UPanel: this channel works", tests[1].Json.GetProperty("summary").GetString());
        Assert.DoesNotContain((await Panel.AdminGetAsync("/api/admin/alerts")).GetProperty("alerts").EnumerateArray(), a => a.GetProperty("kind").GetString() == "test");
        using var unknown = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels/no-such-channel/test", Panel.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await Panel.DeleteChannelAsync(channelId);
    }

    [Theory]
    [InlineData("""{"kind":"sms","url":"https://example.com/x"}""", "kind")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"username":"u"}""", "username")]
    [InlineData("""{"kind":"webhook","url":"https://example.com/x","password":"hunter2"}""", "password")]
    [InlineData("""{"kind":"webhook","url":"ftp://example.com/x"}""", "url")]
    [InlineData("""{"kind":"webhook","url":"https://user:pw@example.com/x"}""", "url")]
    [InlineData("""{"kind":"webhook","url":"https://example.com/x","secret":"short"}""", "secret")]
    [InlineData("""{"kind":"slack","url":"https://hooks.slack.com/services/x","secret":"0123456789abcdef0"}""", "secret")]
    [InlineData("""{"kind":"webhook","url":42}""", "url")]
    public async Task A_bad_channel_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var before = await Panel.AdminGetAsync("/api/admin/alert-channels");

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, body);

        var error = await PanelHost.ReadJsonAsync(response, 400);
        Assert.StartsWith(field, error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.ToString(), (await Panel.AdminGetAsync("/api/admin/alert-channels")).ToString());
    }

    [Fact]
    public async Task The_channel_list_shows_no_secret_and_no_url_path()
    {
        var (channelId, secret) = await Panel.AddChannelAsync("discord", new Uri("https://discord.example/api/webhooks/123/token-in-the-path"));

        var list = await Panel.AdminGetAsync("/api/admin/alert-channels");

        var channel = Assert.Single(list.GetProperty("channels").EnumerateArray(), c => c.GetProperty("id").GetString() == channelId);
        Assert.Equal("https://discord.example/…", channel.GetProperty("url").GetString());
        Assert.False(channel.TryGetProperty("secret", out _));
        Assert.Null(secret);
        Assert.DoesNotContain("token-in-the-path", list.ToString(), StringComparison.Ordinal);
        await Panel.DeleteChannelAsync(channelId);
        using var again = await Panel.SendAsync(HttpMethod.Delete, $"/api/admin/alert-channels/{channelId}", Panel.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    private Heartbeat Heartbeat(string serverId, long seq, params ContainerInfo[] containers) => Panel.Heartbeat(serverId, seq, containers);

    private ContainerInfo Web(string status, int? exitCode = null, bool oomKilled = false) => Panel.Container("web", status, exitCode, oomKilled);

    private ContainerInfo Worker(string status, int? exitCode = null) => Panel.Container("worker", status, exitCode);
}

public sealed class AlertDeliveryTestsOnSqlite(SqlitePanelFixture fixture) : AlertDeliveryTests<SqlitePanelFixture>(fixture);

public sealed class AlertDeliveryTestsOnPostgres(PostgresPanelFixture fixture) : AlertDeliveryTests<PostgresPanelFixture>(fixture);
