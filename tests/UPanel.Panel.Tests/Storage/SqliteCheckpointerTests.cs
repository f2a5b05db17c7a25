using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Panel.Storage;
using UPanel.Tests.Shared;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// The write-ahead log copied back off the writer's commit (docs/decisions/ingest-throughput.md, twelfth pass), on a real
/// SQLite file and a writer that never pauses: the checkpointer copies the log and SQLite starts it again, so it stays
/// well below the size at which SQLite's own checkpoint (the backstop) would run in a commit, and every committed row is
/// in the database afterwards.
/// </summary>
public sealed class SqliteCheckpointerTests
{
    private const int Rows = 2_000;
    private const int RowsPerCommit = 16;

    [Fact]
    public async Task Under_continuous_writes_the_log_is_copied_and_started_again_and_stays_below_the_backstop()
    {
        var directory = Directory.CreateTempSubdirectory("upanel-checkpointer-").FullName;
        var cancel = TestContext.Current.CancellationToken;
        var path = Path.Combine(directory, "panel.db");
        var dialect = new SqliteDialect(path);
        try
        {
            await using (var connection = await dialect.OpenAsync(cancel))
            {
                await dialect.PrepareAsync(connection, cancel);
                await ExecuteAsync(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, body BLOB NOT NULL)", cancel);
                await ExecuteAsync(connection, $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows - 1}) INSERT INTO t SELECT i, 0, randomblob(3000) FROM n", cancel);
            }

            var checkpointer = new SqliteCheckpointer(dialect, TimeProvider.System, NullLogger<SqliteCheckpointer>.Instance);
            using var stopWriting = new CancellationTokenSource();
            var versions = new long[Rows];
            var writer = Task.Run(() => WriteAsync(dialect, versions, stopWriting.Token), cancel);
            await checkpointer.StartAsync(cancel);
            var restartsBefore = dialect.Wal.Restarts;
            var largestLog = 0L;

            // Three times started again, each after a cycle, while the writer went on.
            await Poll.UntilAsync(
                () =>
                {
                    largestLog = Math.Max(largestLog, LogSize(path));
                    return Task.FromResult((Restarts: dialect.Wal.Restarts - restartsBefore, checkpointer.Cycles, dialect.Wal.Frames));
                },
                seen => seen.Restarts >= 3 && seen.Cycles >= 3,
                "the log copied and started again three times under continuous writes",
                TimeSpan.FromSeconds(120),
                seen => seen.ToString());

            await stopWriting.CancelAsync();
            var commits = await writer;
            await checkpointer.StopAsync(cancel);
            largestLog = Math.Max(largestLog, LogSize(path));

            Assert.True(commits > 3, $"the writer committed {commits} times");
            // A frame is a 24-byte header and a 4 KiB page: the backstop would have run at this size, in a commit.
            Assert.True(
                largestLog < SqliteCheckpointer.BackstopFrames * (4096L + 24),
                $"the log reached {largestLog} bytes; the backstop runs at {SqliteCheckpointer.BackstopFrames} frames");
            await using var check = await dialect.OpenAsync(cancel);
            await using var read = check.CreateCommand();
            read.CommandText = "SELECT id, version FROM t ORDER BY id";
            var stored = await Db.ListAsync(read, row => row.RequiredInt64("version"), cancel);
            Assert.Equal(versions, stored);
        }
        finally
        {
            await dialect.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Commits <see cref="RowsPerCommit"/> rows at a time, under the write turn as the heartbeat writer does, until stopped; the commits made.</summary>
    private static async Task<long> WriteAsync(SqliteDialect dialect, long[] versions, CancellationToken stop)
    {
        var commits = 0L;
        var next = 0;
        while (!stop.IsCancellationRequested)
        {
            await using var connection = await dialect.OpenAsync(CancellationToken.None);
            using var turn = await dialect.WriteTurnAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            var written = new List<int>();
            for (var i = 0; i < RowsPerCommit; i++, next = (next + 1) % Rows)
            {
                await using var update = connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE t SET version = @version, body = randomblob(3000) WHERE id = @id";
                Db.Add(update, "version", commits + 1);
                Db.Add(update, "id", (long)next);
                await update.ExecuteNonQueryAsync(CancellationToken.None);
                written.Add(next);
            }

            await transaction.CommitAsync(CancellationToken.None);
            commits++;
            foreach (var id in written)
            {
                versions[id] = commits;
            }
        }

        return commits;
    }

    private static long LogSize(string database) => File.Exists(database + "-wal") ? new FileInfo(database + "-wal").Length : 0;

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancel);
    }
}
