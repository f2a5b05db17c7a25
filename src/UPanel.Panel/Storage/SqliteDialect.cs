using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Storage;

internal sealed class SqliteDialect(string path) : SqlDialect
{
    private readonly string _connectionString = ConnectionString(path, pooling: true);

    // SQLite's busy handler polls with growing sleeps, so a writer that commits and begins again at once (a prune
    // in batches) keeps the lock from waiting heartbeats. The panel's own writers queue here in order instead.
    private readonly SemaphoreSlim _writer = new(1, 1);

    // The heartbeat writer's connection: never pooled, so the page cache it is given stays its own and is freed when it closes.
    private readonly string _writerConnectionString = ConnectionString(path, pooling: false);

    /// <summary>Bytes the log file is cut back to when SQLite starts it again: twice the checkpointer's aim (4 KiB pages).</summary>
    public const long JournalSizeLimit = 2L * SqliteCheckpointer.TargetFrames * 4096;

    /// <summary>
    /// The heartbeat writer's page cache, in KiB (SQLite's default is 2,000): a fleet's write set (each server's row and
    /// the index pages its heartbeats go to; about 800 pages for 200 servers) stays cached from one batch to the next. Only
    /// the pages used are allocated (docs/decisions/ingest-throughput.md, thirteenth pass).
    /// </summary>
    public const int WriterCacheKib = 16384;

    private volatile bool _filesPrivate;

    // The SQLite connections (pooled handles) whose per-connection settings are made; gone with the handle.
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, SQLitePCL.sqlite3> _configured = new();

    /// <summary>This file's write-ahead log, as each commit leaves it.</summary>
    public WalLog Wal { get; } = WalLog.For(path);

    public override string Name => "sqlite";

    private static string ConnectionString(string path, bool pooling) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = pooling,
        DefaultTimeout = 30,
    }.ToString();

    /// <remarks>
    /// The only other writer is the command line (<c>install-token create</c>), which adds install tokens and runs
    /// migrations: it changes no server's tokens or settings.
    /// </remarks>
    public override bool OnePanel => true;

    public override bool KeepsStatements => true;

    public override async ValueTask<WriteTurn> WriteTurnAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        return new WriteTurn(_writer);
    }

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureFilesPrivate();
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await ConfigureAsync(connection, cancellationToken);
        return connection;
    }

    /// <summary>
    /// A connection of the heartbeat writer's own, kept by it for the process's life: SQLite drops a connection's page cache
    /// when another connection committed, so a writer that got whichever pooled connection was free read its pages again
    /// at most batches; its own connection's cache stays valid across its own commits (docs/decisions/ingest-throughput.md,
    /// thirteenth pass). The same settings as every connection, and a larger page cache.
    /// </summary>
    public async ValueTask<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        EnsureFilesPrivate();
        var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ConfigureAsync(connection, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA cache_size = -{WriterCacheKib};";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return connection;
    }

    private void EnsureFilesPrivate()
    {
        if (!_filesPrivate)
        {
            // Heartbeats and hashes of every token: 0600 whatever the directory, including an existing 0755 one.
            SecretFile.EnsurePrivate(path, create: true);
            SecretFile.EnsurePrivate(path + "-wal", create: false);
            SecretFile.EnsurePrivate(path + "-shm", create: false);
            _filesPrivate = true;
        }
    }

    private async ValueTask ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // Once per SQLite connection, not per open: the pool hands the same handle out again with its settings, and
        // three statements per open were a measurable part of a heartbeat (docs/decisions/ingest-throughput.md).
        var handle = connection.Handle!;
        if (!_configured.TryGetValue(handle, out _))
        {
            await using var command = connection.CreateCommand();
            // Per connection: SQLite does not enforce foreign keys unless asked; NORMAL is durable enough under WAL. A log
            // that grew past twice the checkpointer's aim (a burst, the backstop) is cut back when it starts again.
            command.CommandText = $"PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA journal_size_limit = {JournalSizeLimit};";
            await command.ExecuteNonQueryAsync(cancellationToken);
            // The log is copied back by SqliteCheckpointer, outside the writer's commit, paced by the log's size after each
            // commit; SQLite's own checkpoint, which runs inside the commit that crosses its threshold, only as the
            // backstop (docs/decisions/ingest-throughput.md, twelfth pass).
            Wal.Watch(handle);
            _configured.AddOrUpdate(handle, handle);
        }
    }

    /// <remarks>
    /// <c>BEGIN</c> (deferred): the first read takes the snapshot and no write lock is taken. The reads would each begin
    /// a read transaction of their own otherwise, and after another connection's commit each drops the connection's page
    /// cache and reads its pages again (docs/decisions/ingest-throughput.md, fifth pass).
    /// </remarks>
    public override ValueTask<DbTransaction?> BeginReadsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction?>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    public override async Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file (and its WAL) open; release them so the directory can be removed.
        SqliteConnection.ClearAllPools();
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }
}
