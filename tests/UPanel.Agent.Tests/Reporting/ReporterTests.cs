using Microsoft.Extensions.Logging;
using UPanel.Agent.Configuration;
using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Reporting;

public sealed class ReporterTests
{
    private static readonly DateTimeOffset Start = ReporterHarness.Start;

    [Fact]
    public async Task First_heartbeat_goes_out_two_seconds_after_start_with_the_bearer_token()
    {
        await using var h = new ReporterHarness();
        await h.StartAsync();

        Assert.Equal(Start.AddSeconds(2), await h.IdleAsync());
        await h.StepAsync();

        var request = Assert.Single(await h.Panel.WaitForRequestsAsync(1));
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/agent/heartbeat", request.Path);
        Assert.Equal($"Bearer {ReporterHarness.AgentTokenValue}", request.Authorization);
        Assert.StartsWith("application/json", request.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal("01HQSERVER", request.Heartbeat.ServerId);
        Assert.Equal(Start.AddSeconds(2), request.Heartbeat.Timestamp);
        Assert.Equal(PanelState.Ok, h.Status.Panel);
        Assert.Equal(Start.AddSeconds(2), h.Status.LastHeartbeatAt);
        Assert.Equal(0, h.Status.QueueLength);
    }

    [Fact]
    public async Task Heartbeats_follow_the_configured_interval()
    {
        await using var h = new ReporterHarness(intervalSeconds: 30);
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(100));

        var requests = h.Panel.Requests;
        Assert.Equal(
            [Start.AddSeconds(2), Start.AddSeconds(32), Start.AddSeconds(62), Start.AddSeconds(92)],
            requests.Select(r => r.Heartbeat.Timestamp));
        Assert.All(requests, r => Assert.Equal($"Bearer {ReporterHarness.AgentTokenValue}", r.Authorization));
        Assert.Equal(Start.AddSeconds(122), await h.IdleAsync());
    }

    [Fact]
    public async Task Interval_below_five_seconds_is_raised_to_five()
    {
        await using var h = new ReporterHarness(intervalSeconds: 1);
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(13));

        Assert.Equal(TimeSpan.FromSeconds(5), h.Reporter.Interval);
        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(7), Start.AddSeconds(12)], h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));
    }

    [Fact]
    public async Task Panel_next_heartbeat_seconds_takes_over_the_interval()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.Ok(nextHeartbeatSeconds: 10);
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(35));

        Assert.Equal(TimeSpan.FromSeconds(10), h.Reporter.Interval);
        Assert.Equal(
            [Start.AddSeconds(2), Start.AddSeconds(12), Start.AddSeconds(22), Start.AddSeconds(32)],
            h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));
    }

    [Fact]
    public async Task Update_offered_by_the_panel_is_logged_once_per_version_and_shown_in_health_while_offered()
    {
        await using var h = new ReporterHarness(intervalSeconds: 10);
        string?[] offers = [null, "ghcr.io/inte-team/upanel-agent:1.1.0", "ghcr.io/inte-team/upanel-agent:1.1.0", "ghcr.io/inte-team/upanel-agent:1.1.0",
            "ghcr.io/inte-team/upanel-agent:1.2.0", "bad\\u001burl", null];
        var answered = 0;
        h.Panel.Reply = _ => offers[Math.Min(answered++, offers.Length - 1)] is { } url
            ? new PanelReply { Body = $$"""{"status":"ok","server_time":"2026-01-15T10:30:01Z","update_available":true,"update_url":"{{url}}"}""" }
            : PanelReply.Ok();
        await h.StartAsync();

        var health = new List<(bool?, string?)>();
        for (var i = 0; i < offers.Length; i++)
        {
            await h.StepAsync();
            var response = UPanel.Agent.Health.HealthServer.BuildResponse(h.Status.Snapshot());
            health.Add((response.UpdateAvailable, response.UpdateUrl));
        }

        // An update_url with a control character (JSON \u001b) is not shown (it would go into logs and /health): "available" stays.
        Assert.Equal(
        [
            (null, null), (true, "ghcr.io/inte-team/upanel-agent:1.1.0"), (true, "ghcr.io/inte-team/upanel-agent:1.1.0"), (true, "ghcr.io/inte-team/upanel-agent:1.1.0"),
            (true, "ghcr.io/inte-team/upanel-agent:1.2.0"), (true, null), (null, null),
        ], health);
        Assert.Equal(
        [
            "Update available: the panel offers ghcr.io/inte-team/upanel-agent:1.1.0 (this agent is 1.0.0). Upgrade: docker compose pull && docker compose up -d in /opt/upanel-agent, or run the install script again",
            "Update available: the panel offers ghcr.io/inte-team/upanel-agent:1.2.0 (this agent is 1.0.0). Upgrade: docker compose pull && docker compose up -d in /opt/upanel-agent, or run the install script again",
            "Update available: the panel offers (no image named) (this agent is 1.0.0). Upgrade: docker compose pull && docker compose up -d in /opt/upanel-agent, or run the install script again",
        ], h.Logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1218).Select(r => r.Message));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(0, 5)]
    [InlineData(-30, 5)]
    [InlineData(999999, 3600)]
    public async Task Panel_next_heartbeat_seconds_is_clamped_to_5_to_3600(int asked, int expected)
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.Ok(nextHeartbeatSeconds: asked);
        await h.StartAsync();

        await h.StepAsync();

        Assert.Equal(TimeSpan.FromSeconds(expected), h.Reporter.Interval);
        Assert.Equal(Start.AddSeconds(2 + expected), await h.IdleAsync());
    }

    [Fact]
    public async Task Heartbeat_is_queued_when_panel_returns_500_and_flushed_oldest_first_after_recovery()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.WithStatus(500);
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(150));

        Assert.Equal(3, h.Samples);
        Assert.Equal(3, h.Status.QueueLength);
        Assert.Equal(PanelState.Unreachable, h.Status.Panel);
        Assert.Null(h.Status.LastHeartbeatAt);
        var failed = h.Panel.Requests.Count;

        h.Panel.Reply = _ => PanelReply.Ok();
        await h.StepUntilSamplesAsync(4);
        await h.StepUntilDrainedAsync();

        var delivered = h.Panel.Requests.Skip(failed).Select(r => r.Heartbeat).ToList();
        Assert.Equal(4, delivered.Count);
        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(62), Start.AddSeconds(122), Start.AddSeconds(182)], delivered.Select(d => d.Timestamp));
        Assert.True(delivered.Zip(delivered.Skip(1)).All(p => p.First.Seq < p.Second.Seq));
        Assert.Equal(0, h.Status.QueueLength);
        Assert.Equal(PanelState.Ok, h.Status.Panel);
    }

    [Fact]
    public async Task A_heartbeat_delivered_at_once_is_never_fsynced_and_one_still_queued_after_the_attempt_is()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        await h.StartAsync();

        await h.StepAsync(); // 2 s: delivered
        Assert.Single(h.Panel.Requests);
        Assert.Equal(0, h.Queue.Count);
        Assert.Equal(0, h.Queue.Syncs);
        Assert.False(h.Queue.SyncPending);

        h.Panel.Reply = _ => PanelReply.WithStatus(503);
        await h.StepUntilSamplesAsync(2); // 62 s: the send fails, the heartbeat stays queued and is fsynced
        Assert.Equal(2, h.Panel.Requests.Count);
        Assert.Equal(1, h.Queue.Count);
        Assert.Equal(1, h.Queue.Syncs);
        Assert.False(h.Queue.SyncPending);

        await h.AdvanceToAsync(Start.AddSeconds(121)); // retries at 67, 77, 97 s fail: nothing written, nothing synced
        Assert.Equal(5, h.Panel.Requests.Count);
        Assert.Equal(1, h.Queue.Syncs);

        // 122 s: the fresh heartbeat waits behind the old one, so it is fsynced before the old one is sent.
        h.Panel.Reply = _ => PanelReply.Ok();
        await h.StepUntilSamplesAsync(3);
        Assert.Equal(6, h.Panel.Requests.Count);
        Assert.Equal(1, h.Queue.Count);
        Assert.Equal(2, h.Queue.Syncs);
        Assert.False(h.Queue.SyncPending);

        await h.StepUntilDrainedAsync(); // the end of a drain writes and syncs a marker
        Assert.Equal(3, h.Queue.Syncs);

        await h.StepUntilSamplesAsync(4); // delivered at once again
        Assert.Equal(8, h.Panel.Requests.Count);
        Assert.Equal(0, h.Queue.Count);
        Assert.Equal(3, h.Queue.Syncs);
        Assert.Equal(
            [Start.AddSeconds(2), Start.AddSeconds(62), Start.AddSeconds(122), Start.AddSeconds(182)],
            h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value).Distinct());
    }

    [Fact]
    public async Task Failed_heartbeat_is_retried_with_backoff_before_the_next_sample()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.WithStatus(503);
        await h.StartAsync();
        await h.StepAsync();

        // First retry 5 s after the failure (no jitter in the harness), long before the next sample at 62 s.
        Assert.Equal(Start.AddSeconds(7), await h.IdleAsync());

        h.Panel.Reply = _ => PanelReply.Ok();
        await h.StepAsync();

        Assert.Equal(2, h.Panel.Requests.Count);
        Assert.Equal(h.Panel.Requests[0].Heartbeat.HeartbeatId, h.Panel.Requests[1].Heartbeat.HeartbeatId);
        Assert.Equal(0, h.Status.QueueLength);
    }

    [Fact]
    public async Task Panel_that_does_not_answer_in_time_counts_as_unreachable_and_the_heartbeat_is_kept()
    {
        await using var h = new ReporterHarness(clientTimeout: TimeSpan.FromMilliseconds(300));
        h.Panel.Reply = _ => PanelReply.Hanging();
        await h.StartAsync();

        await h.StepAsync();

        Assert.Single(h.Panel.Requests);
        Assert.Equal(PanelState.Unreachable, h.Status.Panel);
        Assert.Equal(1, h.Status.QueueLength);

        h.Panel.Reply = _ => PanelReply.Ok();
        await h.StepAsync();

        Assert.Equal(2, h.Panel.Requests.Count);
        Assert.Equal(h.Panel.Requests[0].Heartbeat.HeartbeatId, h.Panel.Requests[1].Heartbeat.HeartbeatId);
        Assert.Equal(PanelState.Ok, h.Status.Panel);
        Assert.Equal(0, h.Status.QueueLength);
    }

    [Fact]
    public async Task Heartbeats_taken_while_the_panel_refuses_connections_arrive_after_it_returns()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        await h.StartAsync();
        h.Panel.Stop();

        // Down for three intervals.
        await h.AdvanceToAsync(Start.AddSeconds(150));
        Assert.Equal(3, h.Status.QueueLength);
        Assert.Equal(PanelState.Unreachable, h.Status.Panel);
        Assert.Empty(h.Panel.Requests);

        h.Panel.Restart();
        await h.StepUntilSamplesAsync(4);
        await h.StepUntilDrainedAsync();

        Assert.Equal(
            [Start.AddSeconds(2), Start.AddSeconds(62), Start.AddSeconds(122), Start.AddSeconds(182)],
            h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));
        Assert.Equal(0, h.Status.QueueLength);
    }

    [Fact]
    public async Task Queue_keeps_the_newest_ten_and_counts_what_it_dropped()
    {
        await using var h = new ReporterHarness(intervalSeconds: 5);
        await h.StartAsync();
        h.Panel.Stop();

        await h.StepUntilSamplesAsync(12);
        Assert.Equal(10, h.Status.QueueLength);
        Assert.Equal(2, h.Status.DroppedCount);

        h.Panel.Restart();
        await h.StepUntilSamplesAsync(13);
        await h.StepUntilDrainedAsync();

        // The retry falls on the 13th sample, which is queued before the flush and pushes out one more:
        // samples 4–13 arrive, oldest first.
        var expected = Enumerable.Range(3, 10).Select(i => Start.AddSeconds(2 + (5 * i)));
        Assert.Equal(expected, h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));
        Assert.Equal(3, h.Status.DroppedCount);
        Assert.Equal(0, h.Status.QueueLength);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1207);
    }

    [Fact]
    public async Task A_full_queue_warns_once_per_outage_not_once_per_dropped_heartbeat()
    {
        await using var h = new ReporterHarness(intervalSeconds: 5);
        await h.StartAsync();
        h.Panel.Stop();
        await h.StepUntilSamplesAsync(15);
        h.Panel.Restart();
        await h.StepUntilSamplesAsync(16);
        await h.StepUntilDrainedAsync();
        h.Panel.Stop();
        await h.StepUntilSamplesAsync(30);

        var drops = h.Logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1207).ToList();
        Assert.Equal(6 + 4, drops.Count);
        Assert.Equal(2, drops.Count(r => r.Level == LogLevel.Warning));
        Assert.Equal(drops[0], drops.First(r => r.Level == LogLevel.Warning));
        Assert.Equal(10, h.Status.DroppedCount);
    }

    [Fact]
    public async Task A_backlog_drains_oldest_first_one_heartbeat_per_drain_spacing_not_in_one_burst()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.WithStatus(503);
        await h.StartAsync();
        await h.AdvanceToAsync(Start.AddSeconds(250)); // 5 samples queued
        var sentAt = new List<DateTimeOffset>();
        h.Panel.Reply = _ =>
        {
            sentAt.Add(h.Now);
            return PanelReply.Ok();
        };

        await h.StepUntilSamplesAsync(6);
        await h.StepUntilDrainedAsync();

        Assert.Equal(6, sentAt.Count);
        Assert.All(sentAt.Zip(sentAt.Skip(1)), pair => Assert.Equal(Reporter.DrainSpacing, pair.Second - pair.First));
        Assert.Equal(
            Enumerable.Range(0, 6).Select(i => Start.AddSeconds(2 + (60 * i))),
            h.Panel.Requests.Skip(h.Panel.Requests.Count - 6).Select(r => r.Heartbeat.Timestamp!.Value));
    }

    [Fact]
    public async Task Drain_spacing_is_jittered_so_a_fleet_does_not_send_in_step()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Reporter.NextJitter = () => 0.9;
        h.Panel.Reply = _ => PanelReply.WithStatus(503);
        await h.StartAsync();
        await h.AdvanceToAsync(Start.AddSeconds(130));
        h.Panel.Reply = _ => PanelReply.Ok();

        await h.StepUntilSamplesAsync(4);
        var first = h.Now;
        Assert.Equal(first + (Reporter.DrainSpacing * 1.4), await h.StepAsync());
    }

    [Fact]
    public async Task A_restarted_agent_sends_what_the_previous_run_queued_in_order_once_and_its_seq_goes_on()
    {
        var stateDir = Directory.CreateTempSubdirectory("upanel-restart-").FullName;
        try
        {
            await using (var first = new ReporterHarness(intervalSeconds: 60, stateDir: stateDir))
            {
                first.Panel.Reply = _ => PanelReply.WithStatus(503);
                await first.StartAsync();
                await first.AdvanceToAsync(Start.AddSeconds(150));
                Assert.Equal(3, first.Status.QueueLength);
            }

            // The clock stepped back an hour across the restart: seq must still go on from the queue's last.
            await using var second = new ReporterHarness(intervalSeconds: 60, stateDir: stateDir, start: Start.AddHours(-1));
            Assert.Equal(3, second.Queue.Count);
            await second.StartAsync();
            await second.StepUntilSamplesAsync(1);
            await second.StepUntilDrainedAsync();

            var seqs = second.Panel.Requests.Select(r => r.Heartbeat.Seq!.Value).ToList();
            Assert.Equal(4, seqs.Count);
            Assert.Equal(seqs.Order(), seqs);
            Assert.Equal(seqs.Distinct(), seqs);
            Assert.Equal(
                [Start.AddSeconds(2), Start.AddSeconds(62), Start.AddSeconds(122), Start.AddHours(-1).AddSeconds(2)],
                second.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    [Fact]
    public async Task Dropped_heartbeats_are_reported_in_the_next_heartbeat_and_in_status()
    {
        await using var h = new ReporterHarness(intervalSeconds: 5, queueMaxHeartbeats: 3);
        await h.StartAsync();
        h.Panel.Stop();
        await h.StepUntilSamplesAsync(5);
        Assert.Equal(2, h.Status.DroppedCount);

        h.Panel.Restart();
        await h.StepUntilSamplesAsync(6);
        await h.StepUntilDrainedAsync();

        // Samples 4, 5, 6 arrive. Each made room for itself (dropping 1, 2, 3) after it was taken, so each carries
        // the total dropped before it: the panel learns of a drop with the next heartbeat.
        var delivered = h.Panel.Requests.Select(r => r.Heartbeat).Where(b => b.Timestamp >= Start.AddSeconds(17)).ToList();
        Assert.Equal([Start.AddSeconds(17), Start.AddSeconds(22), Start.AddSeconds(27)], delivered.Select(b => b.Timestamp!.Value));
        Assert.Equal([0L, 1L, 2L], delivered.Select(b => b.DroppedHeartbeats!.Value));
        Assert.Equal(3, h.Status.DroppedCount);
    }

    [Fact]
    public async Task Clock_skew_beyond_a_minute_is_logged_once_shown_and_sent_and_its_end_logged_once()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.Ok(serverTime: h.Now.AddSeconds(95));
        await h.StartAsync();
        await h.AdvanceToAsync(Start.AddSeconds(130));

        Assert.Equal(95, h.Status.ClockSkewSeconds);
        Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1224);
        Assert.Equal([null, 95, 95], h.Panel.Requests.Select(r => r.Heartbeat.ClockSkewSeconds));

        h.Panel.Reply = _ => PanelReply.Ok(serverTime: h.Now.AddSeconds(-1));
        await h.AdvanceToAsync(Start.AddSeconds(250));

        Assert.Equal(-1, h.Status.ClockSkewSeconds);
        Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1225);
        Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1224);
    }

    [Fact]
    public async Task Heartbeat_rejected_with_400_is_dropped_and_not_resent()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.WithStatus(400, """{"status":"error","error":"metrics.cpu_percent out of range","field":"metrics.cpu_percent"}""");
        await h.StartAsync();
        await h.StepAsync();

        Assert.Equal(0, h.Status.QueueLength);
        Assert.Equal(PanelState.Rejected, h.Status.Panel);
        var log = Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1204);
        Assert.Contains("metrics.cpu_percent out of range", log.Message, StringComparison.Ordinal);

        h.Panel.Reply = _ => PanelReply.Ok();
        await h.AdvanceToAsync(Start.AddSeconds(62));

        var requests = h.Panel.Requests;
        Assert.Equal(2, requests.Count);
        Assert.NotEqual(requests[0].Heartbeat.HeartbeatId, requests[1].Heartbeat.HeartbeatId);
        Assert.Equal(Start.AddSeconds(62), requests[1].Heartbeat.Timestamp);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Refused_token_keeps_the_queue_and_shows_in_status(int status)
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.WithStatus(status);
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(100));

        Assert.Equal(2, h.Status.QueueLength);
        Assert.Equal(PanelState.Unauthorized, h.Status.Panel);
        Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1205);

        // Once per interval, the oldest first: no fast retries of a refused token.
        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(2)], h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));

        h.Panel.Reply = _ => PanelReply.Ok();
        await h.StepUntilSamplesAsync(3);
        await h.StepUntilDrainedAsync();

        Assert.Equal(0, h.Status.QueueLength);
        Assert.Equal(PanelState.Ok, h.Status.Panel);
        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(62), Start.AddSeconds(122)], h.Panel.Requests.Skip(2).Select(r => r.Heartbeat.Timestamp));
    }

    [Fact]
    public async Task Requested_heartbeat_while_the_token_is_refused_is_queued_not_sent()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.WithStatus(401);
        await h.StartAsync();
        await h.StepAsync();

        await h.WhileIdleAsync(h.Reporter.RequestHeartbeat);

        Assert.Single(h.Panel.Requests);
        Assert.Equal(2, h.Status.QueueLength);
    }

    [Fact]
    public async Task Refused_token_is_re_read_and_the_new_one_used_for_the_queue()
    {
        var reloaded = "reloaded-token-fedcba9876543210";
        await using var h = new ReporterHarness(intervalSeconds: 60, readConfiguredToken: () => reloaded);
        h.Panel.Reply = r => r.Authorization == $"Bearer {reloaded}" ? PanelReply.Ok() : PanelReply.WithStatus(401);
        await h.StartAsync();

        await h.StepAsync();
        Assert.Equal(PanelState.Unauthorized, h.Status.Panel);

        Assert.Equal(Start.AddSeconds(62), await h.StepAsync());
        await h.StepUntilDrainedAsync();

        var requests = h.Panel.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Equal(requests[0].Heartbeat.HeartbeatId, requests[1].Heartbeat.HeartbeatId);
        Assert.All(requests.Skip(1), r => Assert.Equal($"Bearer {reloaded}", r.Authorization));
        Assert.Equal(PanelState.Ok, h.Status.Panel);
        Assert.Equal(0, h.Status.QueueLength);
    }

    [Fact]
    public async Task Rotated_token_from_the_panel_is_used_for_the_next_send_and_stored()
    {
        const string rotated = "rotated-token-aaaaaaaaaaaaaaaaaaaaaaaa";
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = r => r.Authorization == $"Bearer {ReporterHarness.AgentTokenValue}" ? PanelReply.Ok(newAgentToken: rotated) : PanelReply.Ok();
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(62));

        var requests = h.Panel.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal($"Bearer {ReporterHarness.AgentTokenValue}", requests[0].Authorization);
        Assert.Equal($"Bearer {rotated}", requests[1].Authorization);
        Assert.Equal(rotated, new RotatedTokenStore(h.StateDir).Resolve(ReporterHarness.AgentTokenValue));
        Assert.DoesNotContain(h.Logger.Collector.GetSnapshot(), r => r.Message.Contains(rotated, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_after_is_honoured_while_samples_keep_being_taken_on_schedule()
    {
        await using var h = new ReporterHarness(intervalSeconds: 5);
        h.Panel.Reply = _ => PanelReply.RetryAfter(429, "30");
        await h.StartAsync();
        await h.StepAsync();
        Assert.Single(h.Panel.Requests);
        h.Panel.Reply = _ => PanelReply.Ok();

        // Samples at 7, 12, 17, 22, 27 are queued; nothing is sent before 2 + 30 s.
        await h.AdvanceToAsync(Start.AddSeconds(31));
        Assert.Single(h.Panel.Requests);
        Assert.Equal(6, h.Samples);
        Assert.Equal(6, h.Status.QueueLength);

        await h.AdvanceToAsync(Start.AddSeconds(32));
        await h.StepUntilDrainedAsync();

        var delivered = h.Panel.Requests.Skip(1).Select(r => r.Heartbeat.Timestamp!.Value);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => Start.AddSeconds(2 + (5 * i))), delivered);
        Assert.Equal(0, h.Status.QueueLength);
    }

    [Fact]
    public async Task Retry_after_on_503_is_honoured()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => PanelReply.RetryAfter(503, "20");
        await h.StartAsync();
        await h.StepAsync();

        Assert.Equal(Start.AddSeconds(22), await h.IdleAsync());
    }

    [Fact]
    public async Task Requested_heartbeats_are_debounced_to_one_extra_per_five_seconds()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        await h.StartAsync();
        await h.StepAsync();
        await h.AdvanceToAsync(Start.AddSeconds(10));

        await h.WhileIdleAsync(h.Reporter.RequestHeartbeat);
        await h.WhileIdleAsync(h.Reporter.RequestHeartbeat);
        await h.WhileIdleAsync(h.Reporter.RequestHeartbeat);

        // One extra at once; the two requests inside the next 5 s merge into one at 15 s.
        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(10)], h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));
        Assert.Equal(Start.AddSeconds(15), await h.IdleAsync());

        await h.AdvanceToAsync(Start.AddSeconds(61));

        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(10), Start.AddSeconds(15)], h.Panel.Requests.Select(r => r.Heartbeat.Timestamp!.Value));

        // The regular schedule did not move.
        await h.StepAsync();
        Assert.Equal(Start.AddSeconds(62), h.Panel.Requests[^1].Heartbeat.Timestamp);
    }

    [Fact]
    public async Task Concurrent_requests_from_other_threads_cause_one_extra_heartbeat()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        await h.StartAsync();
        await h.StepAsync();
        await h.AdvanceToAsync(Start.AddSeconds(10));

        await h.WhileIdleAsync(() => Parallel.For(0, 100, _ => h.Reporter.RequestHeartbeat()));
        await h.AdvanceToAsync(Start.AddSeconds(30));

        Assert.InRange(h.Panel.Requests.Count, 2, 3);
        Assert.Equal(Start.AddSeconds(10), h.Panel.Requests[1].Heartbeat.Timestamp);
        Assert.Equal(h.Panel.Requests.Count, h.Samples);
    }

    [Fact]
    public async Task A_sample_that_throws_is_logged_and_the_schedule_goes_on()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Host.Throw = true;
        await h.StartAsync();
        await h.StepAsync();

        Assert.Empty(h.Panel.Requests);
        Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1211);

        h.Host.Throw = false;
        await h.StepAsync();

        Assert.Equal(Start.AddSeconds(62), Assert.Single(h.Panel.Requests).Heartbeat.Timestamp);
    }

    [Fact]
    public async Task NaN_from_a_collector_costs_only_that_field_and_the_loop_keeps_sending()
    {
        await using var h = new ReporterHarness();
        h.Host.Metrics = h.Host.Metrics with { CpuPercent = double.NaN, LoadAverage = [0.5, double.PositiveInfinity, 0.3] };
        h.Containers.Containers = [h.Containers.Containers![0] with { CpuPercent = double.NaN }];
        await h.StartAsync();

        await h.StepAsync();
        await h.StepAsync();

        var requests = await h.Panel.WaitForRequestsAsync(2);
        var first = requests[0].Heartbeat;
        Assert.Null(first.Metrics!.CpuPercent);
        Assert.Null(first.Metrics.LoadAverage);
        Assert.Equal(1024, first.Metrics.RamUsedMb);
        Assert.Equal(0, Assert.Single(first.Containers!).CpuPercent);
        Assert.Equal(Start.AddSeconds(62), requests[1].Heartbeat.Timestamp);
        Assert.Equal(PanelState.Ok, h.Status.Panel);
    }

    [Fact]
    public async Task Reporter_stops_when_cancelled()
    {
        var h = new ReporterHarness();
        await h.StartAsync();

        await h.DisposeAsync();

        Assert.Contains(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1214);
    }

    [Fact]
    public async Task No_log_line_carries_the_token()
    {
        await using var h = new ReporterHarness(intervalSeconds: 5, clientTimeout: TimeSpan.FromMilliseconds(300));
        h.Logger.ControlLevel(Microsoft.Extensions.Logging.LogLevel.Trace, true);
        var replies = new Queue<PanelReply>([PanelReply.WithStatus(500), PanelReply.WithStatus(401), PanelReply.WithStatus(400, ReporterHarness.AgentTokenValue), PanelReply.Hanging(), PanelReply.Ok()]);
        h.Panel.Reply = _ => replies.Count > 0 ? replies.Dequeue() : PanelReply.Ok();
        await h.StartAsync();

        await h.AdvanceToAsync(Start.AddSeconds(60));

        Assert.True(h.Panel.Requests.Count >= 5);
        var logs = h.Logger.Collector.GetSnapshot();
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(logs, r => r.Message.Contains(ReporterHarness.AgentTokenValue, StringComparison.Ordinal)
                                         || (r.Exception?.ToString().Contains(ReporterHarness.AgentTokenValue, StringComparison.Ordinal) ?? false));
    }
}
