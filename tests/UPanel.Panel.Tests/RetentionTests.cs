using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

public abstract class RetentionTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task History_is_rolled_up_then_pruned_at_the_retention_age_in_the_background_and_the_latest_state_stays()
    {
        var server = await Panel.NewServerAsync();
        var start = Panel.Time.GetUtcNow();
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: start.AddHours(-1)));
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 2, timestamp: start));
        var retention = Panel.App.Services.GetRequiredService<RetentionService>();

        // 30 days less 30 minutes after the first sample's retention age began: both were rolled up (older than 25
        // hours), and only seq 1's rollup is older than 30 days.
        var run = retention.NextRun;
        Panel.Time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromMinutes(30));
        var deleted = await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(1, deleted);
        var history = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats");
        Assert.Empty(history.GetProperty("heartbeats").EnumerateArray());
        var now = Panel.Time.GetUtcNow();
        var left = Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-31), now, HistoryRollup.Step, TestContext.Current.CancellationToken));
        Assert.Equal(start.ToUnixTimeMilliseconds(), left.FirstAtMs);
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal(2, state.GetProperty("latest_seq").GetInt64());
    }

    [Fact]
    public async Task Pruning_a_large_backlog_does_not_hold_up_ingest()
    {
        // A backlog such as a lowered retention age or a long stop leaves: one DELETE of it all would hold SQLite's
        // write lock for seconds, and heartbeats would wait the whole time (past the busy timeout: 500s).
        var server = await Panel.NewServerAsync();
        const int backlog = 300_000;
        var old = Panel.Time.GetUtcNow().AddDays(-40).ToUnixTimeMilliseconds();
        await using (var connection = await fixture.OpenDatabaseAsync())
        await using (var insert = connection.CreateCommand())
        {
            var rows = fixture.Engine == "sqlite"
                ? $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {backlog})"
                : $"WITH n(i) AS (SELECT generate_series(1, {backlog}))";
            insert.CommandText = $"""
                {rows}
                INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, containers)
                SELECT '{server.ServerId}', 'old-' || i, i, {old} + i, {old} + i, '1.0.0', '[]' FROM n
                """;
            insert.CommandTimeout = 300;
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // After each heartbeat stored during the prune, the old rows still there are counted: a count strictly between
        // none and all shows the heartbeat got in between two of the prune's batches, not after one DELETE of them all.
        var now = Panel.Time.GetUtcNow();
        var prune = Task.Run(() => Panel.Store.PruneAsync(now, now.AddDays(-30), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var between = new SortedSet<long>();
        var stored = 0;
        for (var seq = 0; !prune.IsCompleted; seq++)
        {
            using var response = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: seq));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            stored++;
            if (await CountOldAsync(server.ServerId) is > 0 and < backlog and var left)
            {
                between.Add(left);
            }
        }

        var deleted = await prune;

        Assert.Equal(backlog, deleted);
        Assert.Equal(0, await CountOldAsync(server.ServerId));
        Assert.True(between.Count >= 3,
            $"{stored} heartbeats stored during the prune, {between.Count} of them between its batches (old rows left then: {string.Join(", ", between)})");
    }

    private async Task<long> CountOldAsync(string serverId)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM heartbeats WHERE server_id = '{serverId}' AND heartbeat_id LIKE 'old-%'";
        return Convert.ToInt64(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Migrations_are_recorded_and_applying_them_again_changes_nothing()
    {
        await Panel.Store.MigrateAsync(TestContext.Current.CancellationToken);
        await Panel.Store.MigrateAsync(TestContext.Current.CancellationToken);

        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var applied = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            applied.Add($"{reader.GetInt64(0)}:{reader.GetString(1)}");
        }

        Assert.Equal(Migrator.Scripts(Panel.Store.Engine).Select(s => $"{s.Version}:{s.Name}"), applied);
        Assert.Equal("1:001_initial.sql", applied[0]);
    }
}
