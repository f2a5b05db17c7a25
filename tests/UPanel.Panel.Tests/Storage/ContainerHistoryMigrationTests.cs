using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Migration 009 (compressed container history) on a database that already holds heartbeats, on both engines: the
/// rows stored before keep their containers as text, and the new column is there for what comes next.
/// </summary>
public sealed class ContainerHistoryMigrationTests
{
    private const string OldContainers = """[{"id":"abc123def456","name":"web","image":"nginx:1.25","status":"running"}]""";

    [Fact]
    public async Task Heartbeats_stored_before_migration_009_keep_their_containers_on_sqlite()
    {
        await MigrationDatabases.OnSqliteAsync("009", MigrateWithOldHeartbeatAsync);
    }

    [Fact]
    public async Task Heartbeats_stored_before_migration_009_keep_their_containers_on_postgres()
    {
        await MigrationDatabases.OnPostgresAsync("009", MigrateWithOldHeartbeatAsync);
    }

    /// <summary>Takes <paramref name="dialect"/> over: the store disposes it.</summary>
    private static async Task MigrateWithOldHeartbeatAsync(SqlDialect dialect)
    {
        await using (var connection = await dialect.OpenAsync(TestContext.Current.CancellationToken))
        {
            // The schema as a panel before 009 left it, with its bookkeeping, and one heartbeat stored then.
            await MigrationDatabases.ExecuteAsync(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in Migrator.Scripts(dialect.Name).Where(s => s.Version < 9))
            {
                await MigrationDatabases.ExecuteAsync(connection, sql);
                await MigrationDatabases.ExecuteAsync(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{name}', 0)");
            }

            await MigrationDatabases.ExecuteAsync(connection, """
                INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, token_hash,
                    next_heartbeat_seconds, created_at)
                VALUES ('01JOLDSERVER', 'old-host', 'Debian 12', 2, 4096, 100, '1.0.0', 'hash', 60, 1000)
                """);
            await MigrationDatabases.ExecuteAsync(connection, $"""
                INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, container_count, containers)
                VALUES ('01JOLDSERVER', '01JOLDHEARTBEAT', 7, 2000, 2000, '1.0.0', 1, '{OldContainers}')
                """);
        }

        await using var store = new SqlPanelStore(dialect, TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
        await store.MigrateAsync(TestContext.Current.CancellationToken);

        await using (var connection = await dialect.OpenAsync(TestContext.Current.CancellationToken))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT h.seq, h.containers, h.containers_zlib, (SELECT COUNT(*) FROM schema_migrations WHERE version = 9) AS applied
                FROM heartbeats h WHERE h.heartbeat_id = '01JOLDHEARTBEAT'
                """;
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
            Assert.Equal(7, reader.GetInt64(0));
            Assert.Equal(OldContainers, reader.GetString(1));
            Assert.True(reader.IsDBNull(2));
            Assert.Equal(1, reader.GetInt64(3));
        }

        var history = await store.GetHeartbeatsAsync("01JOLDSERVER", null, 10, TestContext.Current.CancellationToken);
        Assert.Equal([7L], history.Select(h => h.Seq!.Value));
    }
}
