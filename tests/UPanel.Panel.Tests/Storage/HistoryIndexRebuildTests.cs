using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;
using UPanel.Tests.Shared;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Retention rebuilds PostgreSQL's history indexes once the panel's order of inserts has left them well past their
/// rebuilt size (docs/decisions/history-index-rebuild.md). Each test uses an index of its own: a rebuild is recorded in
/// the database and the next waits <see cref="HistoryIndexes.Period"/>.
/// </summary>
public sealed class HistoryIndexRebuildTests(PostgresPanelFixture fixture) : IClassFixture<PostgresPanelFixture>
{
    private PanelHost Panel => fixture.Host;

    private RetentionService Retention => Panel.App.Services.GetRequiredService<RetentionService>();

    [Fact]
    public async Task A_bloated_rollup_index_is_rebuilt_smaller_and_the_history_reads_back_the_same()
    {
        var servers = await NewServersAsync(10);
        await InsertInPanelOrderAsync("heartbeat_rollups", servers, hours: 300, perHour: 15);
        await fixture.ExecuteAsync("ANALYZE heartbeat_rollups");
        var before = await SizeAsync("heartbeat_rollups_pkey");
        var rows = await DigestAsync("heartbeat_rollups");
        var now = Panel.Time.GetUtcNow();
        var history = await Panel.Store.GetHistoryAsync(servers[3], now.AddDays(-30), now, HistoryRollup.Step, TestContext.Current.CancellationToken);

        await RunRetentionAsync();

        var after = await SizeAsync("heartbeat_rollups_pkey");
        Assert.True(after.Bytes * 1.25 < before.Bytes, $"{before.Bytes} bytes before, {after.Bytes} after");
        Assert.NotEqual(before.FileNode, after.FileNode);
        Assert.Equal(rows, await DigestAsync("heartbeat_rollups"));
        Assert.Equal(history, await Panel.Store.GetHistoryAsync(servers[3], now.AddDays(-30), now, HistoryRollup.Step, TestContext.Current.CancellationToken));
        Assert.Equal(4500, history.Count);
        var logged = Assert.Single(Panel.Logs.GetSnapshot(), r => r.Id.Id == 2114 && r.Message.Contains("heartbeat_rollups_pkey", StringComparison.Ordinal));
        Assert.Contains($"{before.Bytes} bytes", logged.Message, StringComparison.Ordinal);
        Assert.Contains($"now {after.Bytes} bytes", logged.Message, StringComparison.Ordinal);
        Assert.Empty(await InvalidIndexesAsync());
    }

    [Fact]
    public async Task An_index_near_its_rebuilt_size_is_left_as_it_is_and_the_estimate_matches_a_fresh_one()
    {
        // The 4-minute rollups' own key, filled server after server and rebuilt: what CREATE INDEX makes of its rows.
        var servers = await NewServersAsync(10);
        await InsertInPanelOrderAsync("heartbeat_rollups", servers, hours: 300, perHour: 15);
        await fixture.ExecuteAsync("REINDEX INDEX heartbeat_rollups_pkey");
        await fixture.ExecuteAsync("ANALYZE heartbeat_rollups");
        var before = await SizeAsync("heartbeat_rollups_pkey");

        // A period on from now: a rebuild another test of this class made of the same index cannot be what leaves it.
        var pass = await Panel.Store.CompactHistoryIndexesAsync(Panel.Time.GetUtcNow() + HistoryIndexes.Period, TestContext.Current.CancellationToken);

        var index = Assert.Single(pass.Indexes, i => i.Name == "heartbeat_rollups_pkey");
        Assert.False(index.Rebuilt);
        Assert.Equal(before.Bytes, index.Bytes);
        Assert.InRange(index.Bytes / (double)index.RebuiltBytesEstimate!.Value, 0.95, 1.08);
        Assert.Equal(before, await SizeAsync("heartbeat_rollups_pkey"));
        Assert.Empty(pass.DroppedLeftovers);
    }

    [Fact]
    public async Task An_interrupted_rebuild_leaves_no_invalid_index_behind_after_the_next_run()
    {
        // REINDEX CONCURRENTLY makes its copy (container_states_pkey_ccnew, invalid) in a transaction of its own, then
        // waits for the table's writers: a writer holds it there, and the rebuild is cancelled as a stopped panel's is.
        await using var writer = await fixture.OpenDatabaseAsync();
        await using var writing = await writer.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(writer, writing, "LOCK TABLE container_states IN ROW EXCLUSIVE MODE");
        await using var rebuilder = await fixture.OpenDatabaseAsync();
        using var stop = new CancellationTokenSource();
        await using var reindex = rebuilder.CreateCommand();
        reindex.CommandText = "REINDEX INDEX CONCURRENTLY container_states_pkey";
        var rebuilding = reindex.ExecuteNonQueryAsync(stop.Token);
        await Poll.UntilAsync(async () => (await InvalidIndexesAsync()).Contains("container_states_pkey_ccnew"), "the rebuild's invalid copy", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => rebuilding);
        await writing.RollbackAsync(TestContext.Current.CancellationToken);
        Assert.Contains("container_states_pkey_ccnew", await InvalidIndexesAsync());

        await RunRetentionAsync();

        Assert.Empty(await InvalidIndexesAsync());
        Assert.Equal(["container_states_pkey"], await IndexesOfAsync("container_states"));
        Assert.Contains(Panel.Logs.GetSnapshot(), r => r.Id.Id == 2115 && r.Message.Contains("container_states_pkey_ccnew", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_the_panel_holding_retentions_lock_rebuilds()
    {
        // Hourly rollups of 28 days (younger than retention's 30), enough servers for a few megabytes of keys.
        var servers = await NewServersAsync(60);
        await InsertInPanelOrderAsync("heartbeat_rollups_hourly", servers, hours: 28 * 24, perHour: 1);
        await fixture.ExecuteAsync("ANALYZE heartbeat_rollups_hourly");
        var before = await SizeAsync("heartbeat_rollups_hourly_pkey");

        // Another panel (here the test) holds the lock: this one skips its run, bloated index and all.
        await using var other = await fixture.OpenDatabaseAsync();
        await using (var holding = await other.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await ExecuteAsync(other, holding, $"SELECT pg_advisory_xact_lock({(long)PanelLock.Retention})");
            await RunRetentionAsync();
            Assert.Equal(before, await SizeAsync("heartbeat_rollups_hourly_pkey"));
        }

        await RunRetentionAsync();

        var after = await SizeAsync("heartbeat_rollups_hourly_pkey");
        Assert.NotEqual(before.FileNode, after.FileNode);
        Assert.True(after.Bytes * 1.25 < before.Bytes, $"{before.Bytes} bytes before, {after.Bytes} after");
    }

    private async Task<string[]> NewServersAsync(int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (await Panel.NewServerAsync($"index-host-{i}")).ServerId;
        }

        return ids;
    }

    /// <summary>
    /// Rows as the panel adds them (SqlPanelStore.RollUpBatchAsync): every hour, each server's new steps together, server
    /// after server, each at the end of its server's key range; the newest <paramref name="hours"/> hours ending a day ago.
    /// </summary>
    private async Task InsertInPanelOrderAsync(string table, string[] servers, int hours, int perHour)
    {
        var step = perHour == 1 ? HistoryRollup.HourStepMs : HistoryRollup.StepMs;
        var first = HistoryRollup.BucketOf(Panel.Time.GetUtcNow().AddDays(-1).ToUnixTimeMilliseconds(), HistoryRollup.HourStepMs)
            - (hours * HistoryRollup.HourStepMs);
        var ids = string.Join(", ", servers.Select(s => $"'{s}'"));
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var insert = connection.CreateCommand();
        insert.CommandTimeout = 300;
        insert.CommandText = $"""
            INSERT INTO {table} (server_id, bucket_at, first_at, last_at, samples, cpu_n, ram_n, disk_n, load_n, in_n, out_n,
                cpu_min, cpu_max, cpu_sum, ram_min, ram_max, ram_sum)
            SELECT s.id, {first} + (h * {perHour} + k) * CAST({step} AS bigint), {first} + (h * {perHour} + k) * CAST({step} AS bigint),
                {first} + (h * {perHour} + k) * CAST({step} AS bigint) + 60000,
                2, 2, 2, 0, 0, 0, 0, 12.5, 37.25 + k, 49.75 + k, 1000 + h, 2000 + h, 3000 + 2 * h
            FROM unnest(ARRAY[{ids}]) AS s(id), generate_series(0, {hours - 1}) AS h, generate_series(0, {perHour - 1}) AS k
            ORDER BY h, s.id, k
            """;
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private async Task RunRetentionAsync()
    {
        var run = Retention.NextRun;
        Panel.Time.Advance(Panel.Options.RetentionInterval);
        await run.WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
    }

    private async Task<(long Bytes, long FileNode)> SizeAsync(string index)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_relation_size('{index}'::regclass), CAST(pg_relation_filenode('{index}'::regclass) AS bigint)";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Every row of the table, in key order, as one hash (read from the table, not through the index).</summary>
    private async Task<string> DigestAsync(string table)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) || ':' || md5(string_agg(CAST(r AS text), '|' ORDER BY server_id, bucket_at)) FROM {table} r";
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task<List<string>> InvalidIndexesAsync()
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1";
        return await ReadNamesAsync(command);
    }

    private async Task<List<string>> IndexesOfAsync(string table)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT indexname FROM pg_indexes WHERE tablename = '{table}' ORDER BY 1";
        return await ReadNamesAsync(command);
    }

    private static async Task<List<string>> ReadNamesAsync(DbCommand command)
    {
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
