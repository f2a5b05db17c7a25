using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Storage;

/// <summary>
/// What differs between the engines: how a connection is opened and which migration scripts apply. The queries
/// themselves are shared (ANSI SQL plus ON CONFLICT / RETURNING, which both engines speak).
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>Folder name of the migration scripts, and the engine's name in logs.</summary>
    public abstract string Name { get; }

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs once before migrations (SQLite: switch the file to WAL).</summary>
    public virtual Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Serialises concurrent migrators (PostgreSQL: an advisory lock held by the migration transaction).</summary>
    public virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Taken before a write transaction that must not be starved (ingest, and each batch of a prune). PostgreSQL locks
    /// rows and needs nothing; SQLite has one writer and no fairness among busy waiters (see SqliteDialect).
    /// </summary>
    public virtual ValueTask<WriteTurn> WriteTurnAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new WriteTurn(null));

    /// <summary>
    /// Whether several statements go to the engine together and their results come back together (<see cref="DbBatch"/>):
    /// a round trip per batch of heartbeats instead of one per statement. SQLite runs in the process: nothing to save.
    /// Both engines queue concurrent heartbeats for one writer that commits them together
    /// (<see cref="GroupCommit{TItem, TResult}"/>): SQLite has one writer anyway, and on PostgreSQL a batch in one
    /// transaction and one round trip costs the server less than a transaction and five round trips per heartbeat
    /// (docs/decisions/ingest-throughput.md, fourth pass).
    /// </summary>
    public virtual bool PipelinesStatements => false;

    /// <summary>
    /// Whether one panel owns the database (SQLite), so every change to it is this process's: what the panel read it
    /// may keep without being told of changes (<see cref="CredentialsCache"/> always in use, <see cref="DiskWindows"/>).
    /// Several panels share a PostgreSQL database (docs/scale-out.md): there the credentials are kept only while
    /// <see cref="CredentialsListener"/> hears of every change.
    /// </summary>
    public virtual bool OnePanel => false;

    /// <summary>
    /// Whether the rollups' CPU and load minima and maxima are stored as 4-byte floats (PostgreSQL, migration 019;
    /// docs/decisions/narrow-rollup-columns.md): read back through <see cref="Db.FromSingle"/>.
    /// </summary>
    public virtual bool NarrowRollups => false;

    /// <summary>
    /// Whether the alert evaluation's reads keep a connection of their own open with its statements compiled
    /// (<see cref="KeptConnection"/>): SQLite compiles a statement per command, and a pooled connection's close disposes
    /// its commands. Npgsql keeps prepared statements on each pooled connection itself (Max Auto Prepare).
    /// </summary>
    public virtual bool KeepsStatements => false;

    /// <summary>
    /// The transaction several reads on <paramref name="connection"/> share (<see cref="Reads"/>), or null when they need
    /// none: on SQLite a deferred one, which takes no write lock.
    /// </summary>
    public virtual ValueTask<DbTransaction?> BeginReadsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction?>(null);

    /// <summary>
    /// A lock shared by every panel on the database, held until the result is disposed: null when another panel holds it
    /// and <paramref name="wait"/> is false. SQLite serves one panel, so there it is always granted at once.
    /// </summary>
    public virtual ValueTask<IAsyncDisposable?> LockAsync(PanelLock name, bool wait, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IAsyncDisposable?>(HeldLock.None);

    /// <summary>
    /// Rebuilds the history indexes grown well past what their rows need, after dropping what an interrupted rebuild left
    /// (PostgreSQL: <see cref="HistoryIndexes"/>). SQLite fills its B-trees' pages as its rows arrive: nothing to do
    /// (docs/decisions/history-index-rebuild.md).
    /// </summary>
    public virtual Task<HistoryIndexPass> CompactHistoryIndexesAsync(DateTimeOffset now, ILogger logger, CancellationToken cancellationToken) =>
        Task.FromResult(HistoryIndexPass.None);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
