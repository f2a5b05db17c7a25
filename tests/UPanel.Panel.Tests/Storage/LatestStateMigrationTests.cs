using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using UPanel.Contracts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Migration 014 (the latest state in columns) on a database whose servers already reported, on both engines: the columns
/// are filled from each server's latest heartbeat, so the list shows what it showed before, and a server with no
/// heartbeat, or one whose Docker could not be asked, shows none.
/// </summary>
public sealed class LatestStateMigrationTests
{
    private static readonly Heartbeat Reported = new()
    {
        ServerId = "01JREPORTED",
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(2_000),
        Metrics = new HostMetrics
        {
            CpuPercent = 1.0 / 3 * 100,
            RamUsedMb = 1500,
            RamTotalMb = 4096,
            DiskUsedGb = 45,
            DiskTotalGb = 100,
            LoadAverage = [0.1 + 0.2, 12, 1e-7],
            NetworkInBytes = long.MaxValue - 1,
            NetworkOutBytes = 0,
        },
        Containers =
        [
            Container("a", "running", "unhealthy"), Container("b", "exited"), Container("c", "dead"), Container("d", "restarting"),
            Container("e", "running", "healthy"),
        ],
        AgentVersion = "1.0.0",
        HeartbeatId = "01JHEARTBEAT1",
        Seq = 7,
    };

    private static readonly Heartbeat NoDocker = Reported with
    {
        ServerId = "01JNODOCKER",
        Metrics = new HostMetrics { CpuPercent = 7.25, RamTotalMb = 2048 },
        Containers = null,
        HeartbeatId = "01JHEARTBEAT2",
    };

    [Fact]
    public async Task Servers_that_reported_before_migration_014_list_their_latest_state_on_sqlite()
    {
        await MigrationDatabases.OnSqliteAsync("014", MigrateAndListAsync);
    }

    [Fact]
    public async Task Servers_that_reported_before_migration_014_list_their_latest_state_on_postgres()
    {
        await MigrationDatabases.OnPostgresAsync("014", MigrateAndListAsync);
    }

    /// <summary>Takes <paramref name="dialect"/> over: the store disposes it.</summary>
    private static async Task MigrateAndListAsync(SqlDialect dialect)
    {
        var cancel = TestContext.Current.CancellationToken;
        await using (var connection = await dialect.OpenAsync(cancel))
        {
            // The schema as a panel at 013 left it, with its bookkeeping, and three servers: two with a latest heartbeat.
            await MigrationDatabases.ExecuteAsync(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in Migrator.Scripts(dialect.Name).Where(s => s.Version < 14))
            {
                await MigrationDatabases.ExecuteAsync(connection, sql);
                await MigrationDatabases.ExecuteAsync(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{name}', 0)");
            }

            await MigrationDatabases.ExecuteAsync(connection, "INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, token_hash, next_heartbeat_seconds, created_at) VALUES ('01JSILENT', 'silent', 'Debian 12', 2, 4096, 100, '1.0.0', 'hash0', 60, 1000)");
            foreach (var (heartbeat, n) in new[] { (Reported, 1), (NoDocker, 2) })
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = $"""
                    INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, token_hash,
                        next_heartbeat_seconds, created_at, last_seen_at, latest_sample_at, latest_seq, latest_agent_version,
                        latest_container_count, latest_heartbeat)
                    VALUES ('{heartbeat.ServerId}', 'host{n}', 'Debian 12', 2, 4096, 100, '1.0.0', 'hash{n}', 60, 100{n}, 2000, 2000, 7, '1.0.0',
                        {heartbeat.Containers?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"}, @json)
                    """;
                Db.Add(insert, "json", JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat));
                await insert.ExecuteNonQueryAsync(cancel);
            }
        }

        await using var store = new SqlPanelStore(dialect, TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
        await store.MigrateAsync(cancel);

        var servers = (await store.ListServersAsync(cancel)).ToDictionary(s => s.Id);
        Assert.Null(servers["01JSILENT"].LatestMetrics);
        Assert.Equal(default, servers["01JSILENT"].LatestContainerCounts);
        Assert.Equal(Serialized(Reported.Metrics), Serialized(servers[Reported.ServerId].LatestMetrics!));
        Assert.Equal(new ContainerCounts(Unhealthy: 1, Exited: 2, Restarting: 1), servers[Reported.ServerId].LatestContainerCounts);
        Assert.Equal("""{"cpu_percent":7.25,"ram_total_mb":2048}""", Serialized(servers[NoDocker.ServerId].LatestMetrics!));
        Assert.Equal(default, servers[NoDocker.ServerId].LatestContainerCounts);
        Assert.Equal(
            JsonSerializer.Serialize(Reported, ContractsJsonContext.Default.Heartbeat),
            JsonSerializer.Serialize((await store.GetLatestHeartbeatAsync(Reported.ServerId, cancel))!, ContractsJsonContext.Default.Heartbeat));
    }

    private static ContainerInfo Container(string id, string status, string health = "none") =>
        new() { Id = id + "00000000000", Name = "app_" + id, Image = "app:1", Status = status, Health = health, UptimeSeconds = 0, CpuPercent = 0, MemoryMb = 0 };

    private static string Serialized(HostMetrics metrics) => JsonSerializer.Serialize(metrics, ContractsJsonContext.Default.HostMetrics);
}
