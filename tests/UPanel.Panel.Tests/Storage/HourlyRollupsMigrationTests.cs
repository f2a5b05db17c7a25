using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Panel.Pages.Charts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Migration 015 (hourly rollups) on a database that already holds 4-minute rollups, on both engines: its SQL rolls
/// each hour of them up as the panel does from then on (<see cref="HistoryRollup.Roll(IReadOnlyList{HistorySlice}, long, int)"/>),
/// with the network rates between an hour's steps at each server's own interval, so the 30-day chart reads the same
/// from it. Counts, lowest, highest and the first and last readings are equal; sums within rounding (added in
/// another order).
/// </summary>
public sealed class HourlyRollupsMigrationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 3, 21, 58, 41, TimeSpan.Zero);

    [Fact]
    public async Task Rollups_stored_before_migration_015_are_rolled_up_into_hours_on_sqlite()
    {
        await MigrationDatabases.OnSqliteAsync("015", MigrateAndCompareAsync);
    }

    [Fact]
    public async Task Rollups_stored_before_migration_015_are_rolled_up_into_hours_on_postgres()
    {
        await MigrationDatabases.OnPostgresAsync("015", MigrateAndCompareAsync);
    }

    /// <summary>Takes <paramref name="dialect"/> over: the store disposes it.</summary>
    private static async Task MigrateAndCompareAsync(SqlDialect dialect)
    {
        var cancel = TestContext.Current.CancellationToken;
        var servers = new[] { ("01JMINUTE", 60), ("01JFIVEMINUTES", 300) };
        var expected = new Dictionary<string, IReadOnlyList<(long BucketAtMs, HistorySlice Slice)>>();
        await using (var connection = await dialect.OpenAsync(cancel))
        {
            // The schema as a panel at 014 left it, with its bookkeeping, and two days of 4-minute rollups of two servers.
            await MigrationDatabases.ExecuteAsync(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in Migrator.Scripts(dialect.Name).Where(s => s.Version < 15))
            {
                await MigrationDatabases.ExecuteAsync(connection, sql);
                await MigrationDatabases.ExecuteAsync(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{name}', 0)");
            }

            foreach (var (id, interval) in servers)
            {
                await MigrationDatabases.ExecuteAsync(connection, $"""
                    INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, token_hash, next_heartbeat_seconds, created_at)
                    VALUES ('{id}', '{id}', 'Debian 12', 2, 4096, 100, '1.0.0', 'hash-{id}', {interval}, 1000)
                    """);
                var steps = HistoryRollup.Roll(TwoDaysOf(interval), 3 * interval);
                // The panel's own writer of 4-minute rollups: heartbeat_rollups is the same before migration 015.
                await using (var transaction = await connection.BeginTransactionAsync(cancel))
                {
                    await SqlPanelStore.WriteRollupsAsync(connection, transaction, "heartbeat_rollups", id, steps, narrow: false, cancel);
                    await transaction.CommitAsync(cancel);
                }
                expected[id] = HistoryRollup.Roll([.. steps.Select(s => s.Slice)], HistoryRollup.HourStepMs, 3 * interval);
            }
        }

        await using var store = new SqlPanelStore(dialect, TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
        await store.MigrateAsync(cancel);

        foreach (var (id, interval) in servers)
        {
            var hours = await store.GetHistoryAsync(id, Start.AddHours(-1), Start.AddDays(3), HistoryRollup.HourStep, cancel);
            var want = expected[id];
            Assert.True(want.Count >= 40, $"{want.Count} hours");
            Assert.Equal(want.Count, hours.Count);
            Assert.True(want.Sum(h => h.Slice.InRate.N) > want.Count * (interval == 60 ? 40 : 8), "rates between steps counted");
            for (var i = 0; i < want.Count; i++)
            {
                var (a, b) = (want[i].Slice, hours[i]);
                var what = $"{id}, hour {i}";
                Assert.Equal((a.FirstAtMs, a.LastAtMs, a.Samples), (b.FirstAtMs, b.LastAtMs, b.Samples));
                Assert.Equal((a.FirstInBytes, a.FirstOutBytes, a.LastInBytes, a.LastOutBytes), (b.FirstInBytes, b.FirstOutBytes, b.LastInBytes, b.LastOutBytes));
                Assert.Equal((a.RamTotalMbMax, a.DiskTotalGbMax), (b.RamTotalMbMax, b.DiskTotalGbMax));
                foreach (var (name, x, y) in new[]
                {
                    ("cpu", a.Cpu, b.Cpu), ("ram", a.RamUsedMb, b.RamUsedMb), ("disk", a.DiskUsedGb, b.DiskUsedGb),
                    ("load", a.Load1, b.Load1), ("in", a.InRate, b.InRate), ("out", a.OutRate, b.OutRate),
                })
                {
                    Assert.True((x.N, x.Min, x.Max) == (y.N, y.Min, y.Max), $"{name}, {what}: {x} expected, {y} migrated");
                    Assert.True(Math.Abs(x.Sum - y.Sum) <= 1e-9 * Math.Max(1, Math.Abs(x.Sum)), $"{name} sum, {what}: {x.Sum} expected, {y.Sum} migrated");
                }
            }
        }
    }

    /// <summary>Two days of heartbeats at <paramref name="interval"/>: jittered, a pause, a missing CPU figure now and then, a counter reset.</summary>
    private static List<MetricSample> TwoDaysOf(int interval)
    {
        var random = new Random(interval);
        var samples = new List<MetricSample>();
        long netIn = 1_000_000, netOut = 40_000;
        var count = (int)(TimeSpan.FromDays(2).TotalSeconds / interval);
        for (var i = 0; i < count; i++)
        {
            if (i % 300 is >= 50 and < 54)
            {
                continue; // the agent was down
            }

            netIn += random.Next(0, 3_000_000);
            netOut += random.Next(0, 70_000);
            if (i == count / 2)
            {
                (netIn, netOut) = (500, 500); // the host rebooted
            }

            samples.Add(new MetricSample(
                Start.ToUnixTimeMilliseconds() + (i * interval * 1000L) + random.Next(-interval * 100, interval * 100),
                i % 89 == 0 ? null : Math.Round(random.NextDouble() * 100, 2),
                random.Next(1000, 3000),
                i < count / 3 ? 4096 : 8192,
                40 + (i / 700),
                100,
                Math.Round(random.NextDouble() * 3, 2),
                netIn,
                netOut));
        }

        return samples;
    }
}
