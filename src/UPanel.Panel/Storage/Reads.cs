using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// Several reads on one connection: the alert evaluation's six or seven per heartbeat. On SQLite they run in one read
/// transaction, so the connection's page cache, which SQLite drops at the start of every read transaction after another
/// connection's commit, is filled once per evaluation instead of once per read, and the reads see one snapshot
/// (docs/decisions/ingest-throughput.md, fifth pass). On PostgreSQL they share the connection, each its own statement.
/// </summary>
internal sealed class Reads : IAsyncDisposable
{
    private readonly DbConnection _connection;
    private readonly DbTransaction? _transaction;

    private Reads(DbConnection connection, DbTransaction? transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>A connection for one read, or, with <paramref name="together"/>, for the reads until it is disposed.</summary>
    public static async ValueTask<Reads> OpenAsync(SqlDialect dialect, bool together, CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken);
        try
        {
            return new Reads(connection, together ? await dialect.BeginReadsAsync(connection, cancellationToken) : null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public DbCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            // Nothing was written: ending the read transaction either way releases its snapshot.
            await _transaction.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }
}
