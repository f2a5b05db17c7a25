using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Migration 013 on a SQLite database that 011 left with container states in a WITHOUT ROWID table: the rows are kept,
/// and the table is an ordinary one.
/// </summary>
public sealed class ContainerStatesMigrationTests
{
    [Fact]
    public async Task Container_states_stored_before_migration_013_are_kept_in_an_ordinary_table()
    {
        var directory = Directory.CreateTempSubdirectory("upanel-migrate-013-").FullName;
        var cancel = TestContext.Current.CancellationToken;
        try
        {
            var dialect = new SqliteDialect(Path.Combine(directory, "panel.db"));
            await using (var connection = await dialect.OpenAsync(cancel))
            {
                // The schema as a panel at 012 left it, with its bookkeeping, and two container states stored then.
                await MigrationDatabases.ExecuteAsync(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
                foreach (var (version, name, sql) in Migrator.Scripts(dialect.Name).Where(s => s.Version < 13))
                {
                    await MigrationDatabases.ExecuteAsync(connection, sql);
                    await MigrationDatabases.ExecuteAsync(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{name}', 0)");
                }

                await MigrationDatabases.ExecuteAsync(connection, """
                    INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, token_hash,
                        next_heartbeat_seconds, created_at)
                    VALUES ('01JOLDSERVER', 'old-host', 'Debian 12', 2, 4096, 100, '1.0.0', 'hash', 60, 1000);
                    INSERT INTO container_states (server_id, at, digest, containers_zlib) VALUES ('01JOLDSERVER', 2000, 7, x'0102'), ('01JOLDSERVER', 1000, 5, x'03');
                    """);
            }

            await using var store = new SqlPanelStore(dialect, TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
            await store.MigrateAsync(cancel);

            await using var check = await dialect.OpenAsync(cancel);
            await using var command = check.CreateCommand();
            command.CommandText = """
                SELECT group_concat(at || ':' || digest || ':' || hex(containers_zlib), ' '),
                    (SELECT sql FROM sqlite_schema WHERE name = 'container_states'),
                    (SELECT COUNT(*) FROM schema_migrations WHERE version = 13)
                FROM (SELECT * FROM container_states ORDER BY at)
                """;
            await using var reader = await command.ExecuteReaderAsync(cancel);
            Assert.True(await reader.ReadAsync(cancel));
            Assert.Equal("1000:5:03 2000:7:0102", reader.GetString(0));
            Assert.DoesNotContain("WITHOUT ROWID", reader.GetString(1), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(1, reader.GetInt64(2));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
