using System.Data.Common;
using Microsoft.Data.Sqlite;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// SQLite's per-connection settings are made once per pooled connection, not at every open: a connection the pool hands
/// out again, or a new one opened while it is in use, has them all the same.
/// </summary>
public sealed class SqliteConnectionSettingsTests
{
    [Fact]
    public async Task Every_connection_enforces_foreign_keys_waits_when_busy_and_syncs_normally_however_often_it_is_reused()
    {
        var directory = Directory.CreateTempSubdirectory("upanel-sqlite-settings-").FullName;
        var cancel = TestContext.Current.CancellationToken;
        var dialect = new SqliteDialect(Path.Combine(directory, "panel.db"));
        try
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
                    Assert.Equal((1L, 10_000L, 1L), await SettingsAsync(connection, cancel));
                }
            }

            // The pool did hand the same connections out again (else this test would not test the reuse).
            Assert.Equal(2, handles.Count);
        }
        finally
        {
            await dialect.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
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
