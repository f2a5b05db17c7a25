using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace UPanel.Panel.Storage;

/// <summary>
/// Copies SQLite's write-ahead log back into the database off the request path. SQLite's own checkpoint runs inside the
/// commit of the batch that crosses its threshold, while the writer holds the write turn, so the heartbeats queued behind
/// it wait for the whole copy and its <c>fsync</c>s (docs/decisions/ingest-throughput.md, eleventh and twelfth passes).
/// Here the bulk is copied by <c>PASSIVE</c> checkpoints beside the writer (neither it nor the readers wait), and the
/// write turn is taken only for a last pass over the frames written meanwhile: the log is then wholly copied, and SQLite
/// starts it again from the top at the next commit, so it stays bounded however steadily the writer writes. Durability
/// is SQLite's own: every pass syncs the log before copying and the database after; no commit waits for a checkpoint.
/// Paced by the log's size after each commit (<see cref="WalLog"/>, which also keeps SQLite's automatic checkpoint as the
/// backstop, at <see cref="BackstopFrames"/>).
/// </summary>
internal sealed class SqliteCheckpointer(SqliteDialect dialect, TimeProvider time, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    /// <summary>
    /// The log's size a cycle aims at (4 KiB pages: 32 MiB): a page the writer keeps changing is copied once per cycle,
    /// so fewer, larger cycles copy less; and readers look pages up in a longer log. SQLite's default is 1,000.
    /// </summary>
    public const int TargetFrames = 8192;

    /// <summary>A commit that leaves this many frames checkpoints in place, as SQLite's own automatic checkpoint did: only if this one stalls or falls behind.</summary>
    public const int BackstopFrames = 4 * TargetFrames;

    /// <summary>Frames written during the previous pass that are few enough for the last pass to copy under the write turn.</summary>
    private const int TailFrames = 512;

    /// <summary>Passes beside the writer after the first, while it writes faster than they catch up.</summary>
    private const int CatchUpPasses = 3;

    /// <summary>Between two cycles at least: a log that cannot start again (a reader holds its old frames) is not copied in a loop.</summary>
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(100);

    /// <summary>A quiet panel's log is copied this often, however little it holds (SQLite's own did so at 1,000 frames).</summary>
    private static readonly TimeSpan QuietWait = TimeSpan.FromSeconds(30);

    private CheckpointCycle? _last;
    private long _cycles;

    /// <summary>Cycles completed since start (tests wait on it).</summary>
    public long Cycles => Interlocked.Read(ref _cycles);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                try
                {
                    await dialect.Wal.ReachedAsync().WaitAsync(QuietWait, time, stoppingToken);
                }
                catch (TimeoutException)
                {
                }

                try
                {
                    connection ??= (SqliteConnection)await dialect.OpenAsync(stoppingToken);
                    await CheckpointAsync(connection, stoppingToken);
                    if (failing)
                    {
                        Log.CheckpointsResumed(logger);
                        failing = false;
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The hook's backstop goes on meanwhile; said once, not once per cycle.
                    if (!failing)
                    {
                        Log.CheckpointFailed(logger, exception);
                        failing = true;
                    }

                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }

                await Task.Delay(ShortestWait, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a pass under way ran to its end. The last connection to close copies what is left and removes the log.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// One cycle: the bulk beside the writer, then the last frames under the write turn. The log restarts at the next
    /// commit when <see cref="CheckpointCycle.Complete"/> (unless a reader still uses frames of the old log then).
    /// </summary>
    internal async Task<CheckpointCycle> CheckpointAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var previous = _last;
        var first = await PassAsync(connection);
        var pass = first;
        if (first.Log == 0 || (previous is { Complete: true } && first.Log == previous.Final.Log && first.Copied == first.Log))
        {
            // Nothing written since the last cycle copied everything.
            return Done(new CheckpointCycle(first, first, 1));
        }

        var passes = 1;
        for (var i = 0; i < CatchUpPasses; i++)
        {
            var next = await PassAsync(connection);
            passes++;
            var written = next.Log >= pass.Log ? next.Log - pass.Log : next.Log;
            pass = next;
            if (written <= TailFrames)
            {
                break;
            }
        }

        using (await dialect.WriteTurnAsync(cancellationToken))
        {
            pass = await PassAsync(connection);
            passes++;
        }

        return Done(new CheckpointCycle(first, pass, passes));
    }

    private CheckpointCycle Done(CheckpointCycle cycle)
    {
        _last = cycle;
        Interlocked.Increment(ref _cycles);
        Log.Checkpointed(logger, cycle.First.Log, cycle.Passes, cycle.Final.Log, cycle.Final.Copied);
        return cycle;
    }

    /// <summary>
    /// One <c>PASSIVE</c> checkpoint, on a thread of its own: it blocks for as long as it copies and syncs (tens of
    /// milliseconds), which on a thread-pool worker would hold back requests on a two-core machine.
    /// </summary>
    private static Task<CheckpointPass> PassAsync(SqliteConnection connection) =>
        Task.Factory.StartNew(
            () =>
            {
                var db = connection.Handle!;
                var rc = raw.sqlite3_wal_checkpoint_v2(db, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
                // BUSY: another checkpoint (SQLite's backstop) is under way; this pass copied nothing.
                if (rc == raw.SQLITE_BUSY)
                {
                    return new CheckpointPass(log, 0);
                }

                SqliteException.ThrowExceptionForRC(rc, db);
                return new CheckpointPass(log, copied);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}

/// <summary>What one <c>PASSIVE</c> checkpoint saw: the frames in the log when it began, and how many of them are in the database.</summary>
internal readonly record struct CheckpointPass(int Log, int Copied);

/// <summary>One cycle of <see cref="SqliteCheckpointer"/>: its first pass (beside the writer) and its last (under the write turn).</summary>
internal sealed record CheckpointCycle(CheckpointPass First, CheckpointPass Final, int Passes)
{
    /// <summary>Every frame of the log is in the database: SQLite starts the log again at the next commit.</summary>
    public bool Complete => Final.Copied == Final.Log;
}
