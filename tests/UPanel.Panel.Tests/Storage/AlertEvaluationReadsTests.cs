using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Alerts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// What the alert evaluation reads for each heartbeat, on the real engines: the disk samples the forecast uses, summed, and
/// the stored alert state only when its version is not the one the evaluation knows (docs/decisions/ingest-throughput.md).
/// </summary>
public abstract class AlertEvaluationReadsTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_disk_trend_sums_the_windows_heartbeats_that_report_used_and_a_total_above_zero()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Clock.GetUtcNow();
        (TimeSpan Ago, long? Used, long? Total)[] sent =
        [
            (TimeSpan.FromMinutes(30), 45, 100),
            (TimeSpan.FromHours(7), 30, 100), // before the window
            (TimeSpan.FromHours(3), 40, 100),
            (TimeSpan.FromHours(2), null, 100),
            (TimeSpan.FromHours(1), 0, 0),
            (TimeSpan.FromMinutes(90), 41, null),
            (TimeSpan.FromHours(4), 38, 200),
        ];
        foreach (var (ago, used, total) in sent)
        {
            var heartbeat = Panel.NewHeartbeat(server.ServerId, timestamp: now - ago);
            await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat with { Metrics = heartbeat.Metrics with { DiskUsedGb = used, DiskTotalGb = total } });
        }

        var window = TimeSpan.FromHours(6);
        var trend = await Panel.Store.GetDiskTrendAsync(server.ServerId, now - window, now, Cancel);

        // The three that count, summed here one by one: 4 h ago (38 of 200), 3 h ago (40 of 100), 30 min ago (45 of 100).
        var expected = DiskSample.Trend(
            [new(Ms(now - TimeSpan.FromHours(4)), 38, 200), new(Ms(now - TimeSpan.FromHours(3)), 40, 100), new(Ms(now - TimeSpan.FromMinutes(30)), 45, 100)],
            window,
            Ms(now));
        Assert.Equal(3, trend.Count);
        Assert.Equal(now, trend.At);
        Assert.Equal(Ms(now - TimeSpan.FromHours(4)), trend.First);
        Assert.Equal(Ms(now - TimeSpan.FromMinutes(30)), trend.Last);
        Assert.Equal(100, trend.LatestTotalGb);
        Assert.Equal(expected.SumX, trend.SumX, tolerance: 1e-9);
        Assert.Equal(123, trend.SumY, tolerance: 1e-9);
        Assert.Equal(expected.SumXX, trend.SumXX, tolerance: 1e-9);
        Assert.Equal(expected.SumXY, trend.SumXY, tolerance: 1e-9);
        Assert.Equal(DiskForecast.TimeToFull(expected, window), DiskForecast.TimeToFull(trend, window));
        Assert.NotNull(DiskForecast.TimeToFull(trend, window));
        Assert.Equal(0, (await Panel.Store.GetDiskTrendAsync(server.ServerId, now - TimeSpan.FromMinutes(29), now, Cancel)).Count);
    }

    [Fact]
    public async Task The_disk_trend_kept_in_memory_is_the_one_the_database_sums_as_heartbeats_arrive_in_and_out_of_order()
    {
        var store = (SqlPanelStore)Panel.Store;
        var server = await Panel.NewServerAsync();
        var now = Ms(Panel.Clock.GetUtcNow());
        var window = TimeSpan.FromHours(6);
        async Task<Contracts.Heartbeat> SendAsync(TimeSpan ago, long? used, long? total)
        {
            var heartbeat = Panel.NewHeartbeat(server.ServerId, timestamp: now - ago);
            heartbeat = heartbeat with { Metrics = heartbeat.Metrics with { DiskUsedGb = used, DiskTotalGb = total } };
            await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat);
            return heartbeat;
        }

        // The trend as the evaluation gets it, against the database's sums over the same window: the same to the last bit.
        async Task<DiskTrend> SameAsDatabaseAsync(DateTimeOffset to)
        {
            var trend = await store.GetDiskTrendAsync(server.ServerId, to - window, to, Cancel);
            await using var reads = await store.BeginReadsAsync(Cancel);
            Assert.Equal(await store.SumDiskTrendAsync(reads, server.ServerId, to - window, to, Cancel), trend);
            Assert.Equal(store.Engine == "sqlite", store.DiskWindows?.Keeps(server.ServerId) ?? false);
            return trend;
        }

        await SendAsync(TimeSpan.FromHours(5), 40, 100);
        await SendAsync(TimeSpan.FromHours(7), 30, 100); // before the window
        await SendAsync(TimeSpan.FromHours(2), null, 100);
        await SendAsync(TimeSpan.FromHours(1), 0, 0);
        Assert.Equal(1, (await SameAsDatabaseAsync(now)).Count);

        // Kept from here on (SQLite): newer ones, late ones inside the window and before it, two at one time with different
        // figures, one from the future (within the hour the panel accepts), and one sent again (stored once).
        var again = await SendAsync(TimeSpan.FromMinutes(30), 45, 100);
        await SendAsync(TimeSpan.FromHours(3), 41, 100);
        await SendAsync(TimeSpan.FromHours(8), 20, 100);
        await SendAsync(TimeSpan.FromMinutes(20), 47, 120);
        await SendAsync(TimeSpan.FromMinutes(20), 46, 120);
        await SendAsync(-TimeSpan.FromMinutes(40), 50, 120);
        await SendAsync(TimeSpan.FromMinutes(10), 48, null);
        await Panel.HeartbeatOkAsync(server.AgentToken, again);
        var trend = await SameAsDatabaseAsync(now);
        Assert.Equal(5, trend.Count);
        Assert.Equal(now - TimeSpan.FromHours(5), trend.First);
        Assert.Equal(now - TimeSpan.FromMinutes(20), trend.Last);
        Assert.Equal(120, trend.LatestTotalGb);
        Assert.Equal(40 + 41 + 45 + 46 + 47, trend.SumY);

        // The window moves on: the future one enters it, the oldest leave.
        Assert.Equal(6, (await SameAsDatabaseAsync(now + TimeSpan.FromHours(1))).Count);
        Assert.Equal(5, (await SameAsDatabaseAsync(now + TimeSpan.FromHours(2.5))).Count);
        await SendAsync(TimeSpan.FromMinutes(5), 49, 120);
        Assert.Equal(6, (await SameAsDatabaseAsync(now + TimeSpan.FromHours(2.5))).Count);

        // And back (read again from the database).
        Assert.Equal(6, (await SameAsDatabaseAsync(now + TimeSpan.FromMinutes(1))).Count);
    }

    [Fact]
    public async Task Each_evaluations_reads_see_what_was_committed_before_them_and_two_at_once_read_the_same()
    {
        // On SQLite the evaluation's reads run on a connection kept open with its statements compiled: a later one must
        // still see each commit made before it began, and reads opened while it is in use get a connection of their own.
        var server = await Panel.NewServerAsync();
        var now = Panel.Clock.GetUtcNow();
        async Task<(long? Seq, long? HeartbeatSeq)> LatestAsync(Reads reads) =>
            ((await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, -1, Cancel))!.LatestSeq,
                (await Panel.Store.GetLatestHeartbeatAsync(reads, server.ServerId, Cancel))?.Seq);

        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            Assert.Equal((null, null), await LatestAsync(reads));
        }

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: now.AddSeconds(-2)));
        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            Assert.Equal((1L, 1L), await LatestAsync(reads));
            await using var other = await Panel.Store.BeginReadsAsync(Cancel);
            Assert.Equal((1L, 1L), await LatestAsync(other));
            Assert.Equal((1L, 1L), await LatestAsync(reads));
        }

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 2, timestamp: now.AddSeconds(-1)));
        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            Assert.Equal((2L, 2L), await LatestAsync(reads));
        }

        // The statement itself is kept (compiled once) on SQLite; each evaluation's own on PostgreSQL (Npgsql prepares).
        const string Sql = "SELECT latest_heartbeat FROM servers WHERE id = @id";
        System.Data.Common.DbCommand first, second;
        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            first = reads.Command(Sql);
        }

        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            second = reads.Command(Sql);
        }

        Assert.Equal(((SqlPanelStore)Panel.Store).Engine == "sqlite", ReferenceEquals(first, second));
    }

    [Fact]
    public async Task Rolling_up_or_pruning_heartbeats_forgets_the_disk_windows_kept()
    {
        var store = (SqlPanelStore)Panel.Store;
        if (store.DiskWindows is not { } windows)
        {
            Assert.Equal("postgres", store.Engine); // several panels share the database: nothing is kept
            return;
        }

        var now = Panel.Clock.GetUtcNow();
        // Servers no panel evaluates, and cutoffs before any heartbeat of the other tests.
        windows.Seed("rolled-up", now - TimeSpan.FromHours(6), [new(now.ToUnixTimeMilliseconds() - 1000, 40, 100)]);
        Assert.True(windows.Keeps("rolled-up"));
        await store.RollUpAsync(now - TimeSpan.FromDays(3650), Cancel);
        Assert.False(windows.Keeps("rolled-up"));

        windows.Seed("pruned", now - TimeSpan.FromHours(6), []);
        Assert.True(windows.Keeps("pruned"));
        await store.PruneAsync(now, now - TimeSpan.FromDays(3650), Cancel);
        Assert.False(windows.Keeps("pruned"));
    }

    [Fact]
    public async Task The_alert_state_is_read_only_when_its_version_is_not_the_known_one()
    {
        var alerts = Panel.App.Services.GetRequiredService<AlertStore>();
        var server = await Panel.NewServerAsync();
        var now = Panel.Clock.GetUtcNow();
        async Task<(long Version, string? Json)> EvaluatedStateAsync(long knownVersion)
        {
            await using var reads = await Panel.Store.BeginReadsAsync(Cancel);
            var evaluated = (await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, knownVersion, Cancel))!;
            return (evaluated.StateVersion, evaluated.StateJson);
        }

        Assert.Equal((0L, (string?)null), await EvaluatedStateAsync(-1));

        const string first = """{"firing":[],"pending":[],"notified":[],"restarts":{}}""";
        Assert.True(await alerts.CommitAsync(server.ServerId, 0, first, [], new HashSet<AlertTransition>(), [], now, Cancel));
        Assert.Equal((1L, first), await EvaluatedStateAsync(-1));
        Assert.Equal((1L, (string?)null), await EvaluatedStateAsync(1));

        // Another evaluation (another panel's) wrote a new version: a reader that knew version 1 gets it whole.
        const string second = """{"firing":[],"pending":[],"notified":[],"containers":[],"restarts":{}}""";
        Assert.True(await alerts.CommitAsync(server.ServerId, 1, second, [], new HashSet<AlertTransition>(), [], now, Cancel));
        Assert.Equal((2L, second), await EvaluatedStateAsync(1));
        Assert.Equal((2L, (string?)null), await EvaluatedStateAsync(2));
    }

    [Fact]
    public async Task The_evaluations_columns_of_a_server_are_the_ones_its_whole_row_has()
    {
        var server = await Panel.NewServerAsync();
        async Task SameAsWholeRowAsync()
        {
            var whole = (await Panel.Store.GetServerAsync(server.ServerId, Cancel))!;
            await using var reads = await Panel.Store.BeginReadsAsync(Cancel);
            var evaluated = (await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, -1, Cancel))!;
            Assert.Equal(
                new EvaluatedServer
                {
                    CpuCores = whole.CpuCores, RegisteredAgentVersion = whole.RegisteredAgentVersion, NextHeartbeatSeconds = whole.NextHeartbeatSeconds,
                    TargetAgentVersion = whole.TargetAgentVersion, LastSeenAt = whole.LastSeenAt, RevokedAt = whole.RevokedAt,
                    LatestSampleAt = whole.LatestSampleAt, LatestSeq = whole.LatestSeq, LatestAgentVersion = whole.LatestAgentVersion,
                    // What the row's columns do not say (the state, another test's panel-wide settings): the test below.
                    StateVersion = evaluated.StateVersion, StateJson = evaluated.StateJson, PanelRules = evaluated.PanelRules,
                },
                evaluated);
        }

        await SameAsWholeRowAsync();
        var now = Panel.Clock.GetUtcNow();
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 7, timestamp: now - TimeSpan.FromSeconds(3), agentVersion: "1.2.3"));
        using (var settings = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey, """{"target_agent_version":"9.9.9","next_heartbeat_seconds":45}"""))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, settings.StatusCode);
        }

        await SameAsWholeRowAsync();
        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            var evaluated = (await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, -1, Cancel))!;
            Assert.Equal((7L, "1.2.3", "9.9.9", 45), (evaluated.LatestSeq, evaluated.LatestAgentVersion, evaluated.TargetAgentVersion, evaluated.NextHeartbeatSeconds));
            Assert.Equal(now - TimeSpan.FromSeconds(3), evaluated.LatestSampleAt!.Value, TimeSpan.FromMilliseconds(1));
            Assert.Null(evaluated.RevokedAt);
            Assert.Null(await Panel.Store.GetEvaluatedServerAsync(reads, "no-such-server", -1, Cancel));
        }

        using (var revoke = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/revoke", Panel.AdminKey))
        {
            Assert.True(revoke.IsSuccessStatusCode);
        }

        await SameAsWholeRowAsync();
    }

    [Fact]
    public async Task The_evaluations_one_read_says_what_the_state_rules_token_failures_and_mutes_read_on_their_own_say_after_each_change()
    {
        // The alert state, the rules' settings and whether there are token failures or mutes come with the server's row in
        // one statement, read at every evaluation (docs/decisions/ingest-throughput.md, tenth pass): after each change it
        // must say what the reads of each table say, never what it said before the change.
        var alerts = Panel.App.Services.GetRequiredService<AlertStore>();
        var server = await Panel.NewServerAsync();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(Panel.Clock.GetUtcNow().ToUnixTimeMilliseconds()); // as stored
        string ended = $"ended-{Guid.NewGuid():N}", web = $"web-{Guid.NewGuid():N}";
        async Task<EvaluatedServer> SameAsSeparateReadsAsync(long knownVersion)
        {
            await using var reads = await Panel.Store.BeginReadsAsync(Cancel);
            var evaluated = (await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, knownVersion, Cancel))!;
            Assert.Equal(await reads.LoadAlertStateAsync(server.ServerId, knownVersion), (evaluated.StateVersion, evaluated.StateJson));
            Assert.Same(await alerts.RulesForAsync(reads, server.ServerId, Cancel), alerts.Rules(evaluated.PanelRules, evaluated.ServerRules));
            var failures = await alerts.ListTokenFailuresAsync(reads, server.ServerId, DateTimeOffset.UnixEpoch, Cancel);
            Assert.Equal(failures.Count == 0 ? null : failures.Max(), evaluated.LatestTokenFailureAt);
            var mutes = await alerts.ListMutesAsync(reads, DateTimeOffset.UnixEpoch, server.ServerId, Cancel);
            Assert.Equal(mutes.Count == 0 ? null : mutes.Max(m => m.Mute.Until), evaluated.LatestMuteUntil);
            return evaluated;
        }

        var none = await SameAsSeparateReadsAsync(-1);
        Assert.Equal((0L, null, null, null, null), (none.StateVersion, none.StateJson, none.ServerRules, none.LatestTokenFailureAt, none.LatestMuteUntil));

        // The state: whole for a reader that knows another version, left out for one that knows this one.
        const string first = """{"firing":[],"pending":[],"notified":[],"restarts":{}}""";
        Assert.True(await alerts.CommitAsync(server.ServerId, 0, first, [], new HashSet<AlertTransition>(), [], now, Cancel));
        Assert.Equal((1L, first), ((await SameAsSeparateReadsAsync(-1)).StateVersion, (await SameAsSeparateReadsAsync(-1)).StateJson));
        Assert.Null((await SameAsSeparateReadsAsync(1)).StateJson);
        const string second = """{"firing":[],"pending":[],"notified":[],"containers":[],"restarts":{}}""";
        Assert.True(await alerts.CommitAsync(server.ServerId, 1, second, [], new HashSet<AlertTransition>(), [], now, Cancel));
        Assert.Equal((2L, second), ((await SameAsSeparateReadsAsync(1)).StateVersion, (await SameAsSeparateReadsAsync(1)).StateJson));

        // Token failures: the latest one, each time one is recorded.
        Assert.True(await alerts.RecordTokenFailureAsync(server.ServerId, now - TimeSpan.FromMinutes(20), Cancel));
        Assert.Equal(now - TimeSpan.FromMinutes(20), (await SameAsSeparateReadsAsync(2)).LatestTokenFailureAt);
        Assert.True(await alerts.RecordTokenFailureAsync(server.ServerId, now - TimeSpan.FromMinutes(1), Cancel));
        Assert.Equal(now - TimeSpan.FromMinutes(1), (await SameAsSeparateReadsAsync(2)).LatestTokenFailureAt);

        // Mutes: the latest end, of the server's mutes whether ended or not; none once they are deleted.
        await alerts.AddMuteAsync(ended, new AlertMute(server.ServerId, null, now - TimeSpan.FromMinutes(5)), now - TimeSpan.FromHours(1), Cancel);
        Assert.Equal(now - TimeSpan.FromMinutes(5), (await SameAsSeparateReadsAsync(2)).LatestMuteUntil);
        await alerts.AddMuteAsync(web, new AlertMute(server.ServerId, "web", now + TimeSpan.FromHours(2)), now, Cancel);
        Assert.Equal(now + TimeSpan.FromHours(2), (await SameAsSeparateReadsAsync(2)).LatestMuteUntil);
        Assert.Equal(server.ServerId, await alerts.DeleteMuteAsync(web, Cancel));
        Assert.Equal(now - TimeSpan.FromMinutes(5), (await SameAsSeparateReadsAsync(2)).LatestMuteUntil);
        Assert.Equal(server.ServerId, await alerts.DeleteMuteAsync(ended, Cancel));
        Assert.Null((await SameAsSeparateReadsAsync(2)).LatestMuteUntil);

        // The server's own rules: their stored text, and the rules made from it.
        await alerts.SetRuleSettingsAsync(server.ServerId, new AlertRuleSettings { CpuPercent = 75 }, now, Cancel);
        var own = await SameAsSeparateReadsAsync(2);
        Assert.Equal(75, alerts.Rules(own.PanelRules, own.ServerRules).CpuPercent);
        Assert.Contains("75", own.ServerRules, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rules_are_kept_by_their_stored_settings_and_any_change_to_them_is_used_at_the_next_read()
    {
        var alerts = Panel.App.Services.GetRequiredService<AlertStore>();
        var server = await Panel.NewServerAsync();
        var other = await Panel.NewServerAsync();
        try
        {
            var first = await alerts.RulesForAsync(server.ServerId, Cancel);
            Assert.Equal((90, 3), (first.CpuPercent, first.RestartLoopRestarts));
            // Kept: the same settings give the same rules, without parsing them again.
            Assert.Same(first, await alerts.RulesForAsync(server.ServerId, Cancel));

            await Panel.AdminPutAsync("/api/admin/alert-rules", """{"cpu_percent":70,"container_unhealthy":false}""");
            var panelWide = await alerts.RulesForAsync(server.ServerId, Cancel);
            Assert.Equal((70, false), (panelWide.CpuPercent, panelWide.Enabled(AlertKind.ContainerUnhealthy)));
            Assert.Same(panelWide, await alerts.RulesForAsync(other.ServerId, Cancel));

            await Panel.AdminPutAsync($"/api/admin/servers/{server.ServerId}/alert-rules", """{"cpu_percent":80.5,"restart_loop_restarts":2}""");
            var own = await alerts.RulesForAsync(server.ServerId, Cancel);
            Assert.Equal((80.5, 2, false), (own.CpuPercent, own.RestartLoopRestarts, own.Enabled(AlertKind.ContainerUnhealthy)));
            Assert.Equal((70, 3), ((await alerts.RulesForAsync(other.ServerId, Cancel)).CpuPercent, (await alerts.RulesForAsync(other.ServerId, Cancel)).RestartLoopRestarts));

            // Changed underneath the panel-wide ones: the server's own settings apply over the new panel-wide ones.
            await Panel.AdminPutAsync("/api/admin/alert-rules", """{"cpu_percent":60,"repeat_every_seconds":3600}""");
            var again = await alerts.RulesForAsync(server.ServerId, Cancel);
            Assert.Equal((80.5, 2, true, TimeSpan.FromHours(1)), (again.CpuPercent, again.RestartLoopRestarts, again.Enabled(AlertKind.ContainerUnhealthy), again.RepeatEvery));

            await Panel.AdminPutAsync($"/api/admin/servers/{server.ServerId}/alert-rules", "{}");
            Assert.Equal(60, (await alerts.RulesForAsync(server.ServerId, Cancel)).CpuPercent);
        }
        finally
        {
            await Panel.AdminPutAsync("/api/admin/alert-rules", "{}");
        }

        var reset = await alerts.RulesForAsync(server.ServerId, Cancel);
        Assert.Equal((90, 3, (TimeSpan?)null), (reset.CpuPercent, reset.RestartLoopRestarts, reset.RepeatEvery));
        Assert.Empty(reset.Disabled);
    }

    [Fact]
    public async Task Reads_begun_together_see_one_snapshot_on_sqlite_and_no_heartbeat_waits_for_them()
    {
        var alerts = Panel.App.Services.GetRequiredService<AlertStore>();
        var server = await Panel.NewServerAsync();
        // Never reports, so the panel's own evaluations (after each heartbeat; sweeps wait for the test's clock) leave
        // its alert state to this test.
        var quiet = await Panel.NewServerAsync();
        var now = Panel.Clock.GetUtcNow();
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: now - TimeSpan.FromMinutes(2)));
        var first = await Panel.Store.GetServerAsync(server.ServerId, Cancel);

        await using (var reads = await Panel.Store.BeginReadsAsync(Cancel))
        {
            Assert.Equal(1, (await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, -1, Cancel))!.LatestSeq);
            Assert.Equal((0L, (string?)null), await reads.LoadAlertStateAsync(quiet.ServerId));

            // Stored and acknowledged while the reads are open: on SQLite they hold a read transaction, never the write lock.
            await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 2, timestamp: now - TimeSpan.FromMinutes(1)));
            Assert.True(await alerts.CommitAsync(quiet.ServerId, 0, "{}", [], new HashSet<AlertTransition>(), [], now, Cancel));

            // SQLite: the snapshot the first read took; PostgreSQL: each read sees what was committed before it.
            var again = await Panel.Store.GetEvaluatedServerAsync(reads, server.ServerId, -1, Cancel);
            var state = await reads.LoadAlertStateAsync(quiet.ServerId);
            var latest = await Panel.Store.GetLatestHeartbeatAsync(reads, server.ServerId, Cancel);
            if (Panel.Store.Engine == "sqlite")
            {
                Assert.Equal(1, again!.LatestSeq);
                Assert.Equal(first!.LastSeenAt, again.LastSeenAt);
                Assert.Equal((0L, (string?)null), state);
                Assert.Equal(1, latest!.Seq);
            }
            else
            {
                Assert.Equal(2, again!.LatestSeq);
                Assert.Equal((1L, "{}"), state);
                Assert.Equal(2, latest!.Seq);
            }
        }

        Assert.Equal(2, (await Panel.Store.GetServerAsync(server.ServerId, Cancel))!.LatestSeq);
        Assert.Equal((1L, "{}"), await Panel.LoadAlertStateAsync(quiet.ServerId));
    }

    // Sample times are stored to the millisecond.
    private static DateTimeOffset Ms(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}
