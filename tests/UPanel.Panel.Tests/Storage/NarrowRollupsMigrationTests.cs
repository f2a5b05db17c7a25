using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Panel.Pages.Charts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Migration 019 (PostgreSQL's narrow rollup columns) on rollups stored in the columns of 010 and 015: every value read
/// back as it was, a missing one still missing, and what no validated heartbeat holds (a CPU too small for a real, RAM
/// past integer's range) kept to the nearest value the column has rather than failing the migration.
/// </summary>
public sealed class NarrowRollupsMigrationTests
{
    private static readonly long HourMs = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public async Task Rollups_stored_before_migration_019_read_back_the_same_with_their_nulls()
    {
        await MigrationDatabases.OnPostgresAsync("019", async dialect =>
        {
            var cancel = TestContext.Current.CancellationToken;
            await using (var connection = await dialect.OpenAsync(cancel))
            {
                await MigrationDatabases.ExecuteAsync(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
                foreach (var (version, name, sql) in Migrator.Scripts(dialect.Name).Where(s => s.Version < 19))
                {
                    await MigrationDatabases.ExecuteAsync(connection, sql);
                    await MigrationDatabases.ExecuteAsync(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{name}', 0)");
                }

                await MigrationDatabases.ExecuteAsync(connection, """
                    INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, token_hash, next_heartbeat_seconds, created_at)
                    VALUES ('01JNARROW', 'narrow', 'Debian 12', 2, 4096, 100, '1.0.0', 'hash-narrow', 60, 1000)
                    """);
                foreach (var table in new[] { "heartbeat_rollups", "heartbeat_rollups_hourly" })
                {
                    // Every figure; none (a step whose heartbeats had no metrics); what no validated heartbeat holds.
                    await MigrationDatabases.ExecuteAsync(connection, $"""
                        INSERT INTO {table} (server_id, bucket_at, samples, first_at, last_at, first_in, first_out, last_in, last_out,
                            cpu_n, cpu_min, cpu_max, cpu_sum, ram_n, ram_min, ram_max, ram_sum, ram_total_max,
                            disk_n, disk_min, disk_max, disk_sum, disk_total_max, load_n, load_min, load_max, load_sum,
                            in_n, in_min, in_max, in_sum, out_n, out_min, out_max, out_sum)
                        VALUES
                        ('01JNARROW', {HourMs}, 4, {HourMs + 1000}, {HourMs + 181000}, 9000000000000001, 7, 9000000000000901, 907,
                            4, 0.07, 99.99, 137.35, 4, 1, 1073741824, 1073745000, 1073741824,
                            4, 40, 41, 162, 100, 4, 0.01, 131071.99, 143417.67,
                            3, 0.5, 125000000.5, 125000001.25, 3, 1, 2, 4.5),
                        ('01JNARROW', {HourMs + 3600000}, 2, {HourMs + 3601000}, {HourMs + 3661000}, NULL, NULL, NULL, NULL,
                            0, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
                            0, NULL, NULL, NULL, 0, NULL, NULL, NULL),
                        ('01JNARROW', {HourMs + 7200000}, 1, {HourMs + 7201000}, {HourMs + 7201000}, 5, 5, 5, 5,
                            1, 1e-50, 1e-50, 1e-50, 1, 3000000000, 3000000000, 3000000000, 3000000000,
                            1, 40, 40, 40, 100, 1, 0.5, 0.5, 0.5, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL)
                        """);
                }
            }

            await using var store = new SqlPanelStore(dialect, TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
            await store.MigrateAsync(cancel);

            foreach (var tier in new[] { HistoryRollup.Step, HistoryRollup.HourStep })
            {
                var rows = await store.GetHistoryAsync("01JNARROW", DateTimeOffset.FromUnixTimeMilliseconds(HourMs),
                    DateTimeOffset.FromUnixTimeMilliseconds(HourMs + 3 * 3600000), tier, cancel);
                Assert.Equal(3, rows.Count);
                var (full, none, odd) = (rows[0], rows[1], rows[2]);
                Assert.Equal((4L, HourMs + 1000, HourMs + 181000), (full.Samples, full.FirstAtMs, full.LastAtMs));
                Assert.Equal((9000000000000001L, 7L, 9000000000000901L, 907L), (full.FirstInBytes!.Value, full.FirstOutBytes!.Value, full.LastInBytes!.Value, full.LastOutBytes!.Value));
                Assert.Equal(new Stat(4, 0.07, 99.99, 137.35), full.Cpu);
                Assert.Equal(new Stat(4, 1, 1073741824, 1073745000), full.RamUsedMb);
                Assert.Equal(new Stat(4, 40, 41, 162), full.DiskUsedGb);
                Assert.Equal(new Stat(4, 0.01, 131071.99, 143417.67), full.Load1);
                Assert.Equal((new Stat(3, 0.5, 125000000.5, 125000001.25), new Stat(3, 1, 2, 4.5)), (full.InRate, full.OutRate));
                Assert.Equal((1073741824.0, 100.0), (full.RamTotalMbMax!.Value, full.DiskTotalGbMax!.Value));

                Assert.Equal(2, none.Samples);
                Assert.Equal((null, null, null, null), (none.FirstInBytes, none.FirstOutBytes, none.LastInBytes, none.LastOutBytes));
                Assert.Equal((null, null), (none.RamTotalMbMax, none.DiskTotalGbMax));
                Assert.All(new[] { none.Cpu, none.RamUsedMb, none.DiskUsedGb, none.Load1, none.InRate, none.OutRate }, stat => Assert.Equal(Stat.Empty, stat));

                Assert.Equal((0.0, 0.0), (odd.Cpu.Min, odd.Cpu.Max));
                Assert.Equal((2147483647.0, 2147483647.0, 3000000000.0), (odd.RamUsedMb.Min, odd.RamUsedMb.Max, odd.RamUsedMb.Sum));
            }

            // A missing figure is NULL in the new columns too, not a bound of their range.
            await using var check = await dialect.OpenAsync(cancel);
            await using var command = check.CreateCommand();
            command.CommandText = """
                SELECT (SELECT COUNT(*) FROM heartbeat_rollups WHERE ram_min IS NULL AND ram_total_max IS NULL AND disk_max IS NULL AND cpu_min IS NULL),
                    (SELECT COUNT(*) FROM heartbeat_rollups_hourly WHERE ram_min IS NULL AND ram_total_max IS NULL AND disk_max IS NULL AND cpu_min IS NULL)
                """;
            await using var reader = await command.ExecuteReaderAsync(cancel);
            Assert.True(await reader.ReadAsync(cancel));
            Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
        });
    }
}
