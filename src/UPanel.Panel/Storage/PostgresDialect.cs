using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace UPanel.Panel.Storage;

internal sealed class PostgresDialect(string connectionString) : SqlDialect
{
    // Arrays: the heartbeat writer sends a batch's values as one array per column (PipelinedHeartbeatWriter).
    private readonly NpgsqlDataSource _dataSource = new NpgsqlSlimDataSourceBuilder(Tuned(connectionString)).EnableArrays().Build();

    // The credentials listener's one connection, outside the pool (it is held for as long as it works).
    private readonly NpgsqlDataSource _listenerSource = new NpgsqlSlimDataSourceBuilder(ForListener(connectionString)).Build();

    public override string Name => "postgres";

    public override bool PipelinesStatements => true;

    public override bool NarrowRollups => true;

    /// <summary>
    /// Two settings for a panel's many short statements, unless the connection string sets them itself
    /// (docs/decisions/ingest-throughput.md, fourth pass): statements run often are prepared on each connection and kept
    /// (<c>Max Auto Prepare</c>; PostgreSQL then neither parses nor plans them again), and a connection going back to the
    /// pool is not reset (<c>No Reset On Close</c>: the reset was a DISCARD ALL, a statement and a transaction of its own
    /// at the next use, three per heartbeat, and it would drop the prepared statements). The panel keeps no session
    /// state: its locks are transaction locks, and it sets no session settings.
    /// </summary>
    internal static string Tuned(string connectionString)
    {
        // What the string names, read as written: Npgsql's own builder answers ContainsKey for every keyword it knows.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 32;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// The listener's connection string: not pooled, and named in <c>pg_stat_activity</c> after the connection string's
    /// <c>Application Name</c> (or "upanel-panel") with " credentials listener" added, so an operator can tell it from the
    /// pool's connections.
    /// </summary>
    internal static string ForListener(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        builder.ApplicationName = $"{(string.IsNullOrEmpty(builder.ApplicationName) ? "upanel-panel" : builder.ApplicationName)} credentials listener";
        return builder.ConnectionString;
    }

    /// <summary>A connection of its own for <see cref="CredentialsListener"/>, closed for good when disposed.</summary>
    public async ValueTask<NpgsqlConnection> OpenListenerAsync(CancellationToken cancellationToken) =>
        await _listenerSource.OpenConnectionAsync(cancellationToken);

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({(long)PanelLock.Migration})";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// An advisory lock taken inside a transaction of its own connection: it ends with the transaction, so a connection
    /// that breaks (or a panel that dies) cannot leave it held the way a session lock on a pooled connection would.
    /// </summary>
    public override async ValueTask<IAsyncDisposable?> LockAsync(PanelLock name, bool wait, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = wait ? "SELECT pg_advisory_xact_lock(@key) IS NULL" : "SELECT pg_try_advisory_xact_lock(@key)";
            Db.Add(command, "key", (long)name);
            // pg_advisory_xact_lock returns void (NULL): "IS NULL" makes both forms answer true once the lock is held.
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                await ReleaseSnapshotAsync(connection, transaction, cancellationToken);
                return new HeldLock(connection, transaction);
            }

            await transaction.DisposeAsync();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>
    /// The lock's transaction stays idle for as long as the work it guards (retention: minutes). The SELECT that took the
    /// lock left its portal open, and with it a snapshot: every REINDEX CONCURRENTLY waits for older snapshots to go, so
    /// retention's own rebuild would wait on its own lock forever (<see cref="HistoryIndexes"/>). A statement after it
    /// closes that portal; this one also keeps an operator's idle_in_transaction_session_timeout from ending the
    /// transaction, and the lock with it, while the work goes on.
    /// </summary>
    private static async Task ReleaseSnapshotAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SET LOCAL idle_in_transaction_session_timeout = 0";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override Task<HistoryIndexPass> CompactHistoryIndexesAsync(DateTimeOffset now, ILogger logger, CancellationToken cancellationToken) =>
        HistoryIndexes.CompactAsync(this, now, logger, cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await _listenerSource.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}
