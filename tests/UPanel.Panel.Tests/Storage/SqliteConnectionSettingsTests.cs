using System.Data.Common;
using Microsoft.Data.Sqlite;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// SQLite's per-connection settings are made once per pooled connection, not at every open: a connection the pool hands
/// out again, or a new one opened while it is in use, has them all the same. SQLite's automatic checkpoint is off on each
/// (the WAL hook of <see cref="WalLog"/> in its place, SqliteCheckpointer copying the log outside the writer's commit).
/// </summary>
public sealed class SqliteConnectionSettingsTests
{
    [Fact]
    public Task Every_connection_enforces_foreign_keys_waits_when_busy_syncs_normally_and_leaves_checkpoints_to_the_checkpointer_however_often_it_is_reused() =>
        OnPreparedDatabaseAsync(async (dialect, cancel) =>
        {
            var handles = new HashSet<object>();
            for (var i = 0; i < 5; i++)
            {
                await using var first = await dialect.OpenAsync(cancel);
                // A second one while the first is open: a connection of its own, set up on its own.
                await using var second = await dialect.OpenAsync(cancel);
                foreach (var connection in new[] { first, second })
                {
                    handles.Add(((SqliteConnection)connection).Handle!);
                    await AssertEveryConnectionsSettingsAsync(connection, cancel);
                }
            }

            // The pool did hand the same connections out again (else this test would not test the reuse).
            Assert.Equal(2, handles.Count);
        });

    [Fact]
    public Task The_writers_own_connection_has_every_connections_settings_and_a_larger_page_cache_than_the_pooled_ones() =>
        OnPreparedDatabaseAsync(async (dialect, cancel) =>
        {
            await using var writer = await dialect.OpenWriterAsync(cancel);
            await using var pooled = await dialect.OpenAsync(cancel);

            await AssertEveryConnectionsSettingsAsync(writer, cancel);
            Assert.Equal(
                ($"-{SqliteDialect.WriterCacheKib}", "-2000"),
                (await PragmaAsync(writer, "cache_size", cancel), await PragmaAsync(pooled, "cache_size", cancel)));
            Assert.NotSame(((SqliteConnection)pooled).Handle, writer.Handle);
        });

    /// <summary>Runs <paramref name="test"/> on a dialect over a new database file with the panel's schema, then removes it.</summary>
    private static async Task OnPreparedDatabaseAsync(Func<SqliteDialect, CancellationToken, Task> test)
    {
        var directory = Directory.CreateTempSubdirectory("upanel-sqlite-settings-").FullName;
        var cancel = TestContext.Current.CancellationToken;
        var dialect = new SqliteDialect(Path.Combine(directory, "panel.db"));
        try
        {
            await using (var prepare = await dialect.OpenAsync(cancel))
            {
                await dialect.PrepareAsync(prepare, cancel);
            }

            await test(dialect, cancel);
        }
        finally
        {
            await dialect.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Foreign keys on, a 10 s busy timeout, synchronous NORMAL, WAL, and the log left to the checkpointer:
    /// wal_autocheckpoint reads 0 once a WAL hook of one's own is set (SQLite's checkpoint in the commit is off), and
    /// the log is cut back to <see cref="SqliteDialect.JournalSizeLimit"/>.
    /// </summary>
    private static async Task AssertEveryConnectionsSettingsAsync(DbConnection connection, CancellationToken cancel)
    {
        Assert.Equal((1L, 10_000L, 1L), await SettingsAsync(connection, cancel));
        Assert.Equal(
            ("wal", "0", SqliteDialect.JournalSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (await PragmaAsync(connection, "journal_mode", cancel), await PragmaAsync(connection, "wal_autocheckpoint", cancel),
                await PragmaAsync(connection, "journal_size_limit", cancel)));
    }

    private static async Task<string> PragmaAsync(DbConnection connection, string name, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(cancel), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static async Task<(long ForeignKeys, long BusyTimeout, long Synchronous)> SettingsAsync(DbConnection connection, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT foreign_keys, timeout, synchronous FROM pragma_foreign_keys, pragma_busy_timeout, pragma_synchronous";
        await using var reader = await command.ExecuteReaderAsync(cancel);
        Assert.True(await reader.ReadAsync(cancel));
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
