using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// Several reads on one connection: the alert evaluation's six or seven per heartbeat. On SQLite they run in one read
/// transaction, so the connection's page cache, which SQLite drops at the start of every read transaction after another
/// connection's commit, is filled once per evaluation instead of once per read, and the reads see one snapshot
/// (docs/decisions/ingest-throughput.md, fifth pass), on a connection kept open with its statements compiled (seventh
/// pass). On PostgreSQL they share the connection, each its own statement. A command it hands out belongs to it: the
/// caller does not dispose it.
/// </summary>
internal sealed class Reads : IAsyncDisposable
{
    private readonly DbConnection _connection;
    private readonly DbTransaction? _transaction;
    private readonly KeptConnection? _kept;
    private readonly KeptConnectionSlot? _slot;
    private List<DbCommand>? _commands;

    private Reads(DbConnection connection, DbTransaction? transaction, KeptConnection? kept = null, KeptConnectionSlot? slot = null)
    {
        _connection = connection;
        _transaction = transaction;
        _kept = kept;
        _slot = slot;
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

    /// <summary>The reads together on the connection kept in <paramref name="slot"/>, given back when disposed.</summary>
    public static async ValueTask<Reads> OpenAsync(SqlDialect dialect, KeptConnectionSlot slot, CancellationToken cancellationToken)
    {
        var kept = await slot.TakeAsync(cancellationToken);
        try
        {
            return new Reads(kept.Connection, await dialect.BeginReadsAsync(kept.Connection, cancellationToken), kept, slot);
        }
        catch
        {
            await kept.DisposeAsync();
            throw;
        }
    }

    public DbCommand Command(string sql)
    {
        if (_kept is not null)
        {
            return _kept.Command(sql, _transaction);
        }

        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        (_commands ??= []).Add(command);
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands ?? [])
        {
            await command.DisposeAsync();
        }

        var ended = false;
        try
        {
            if (_transaction is not null)
            {
                // Nothing was written: ending the read transaction either way releases its snapshot.
                await _transaction.DisposeAsync();
            }

            ended = true;
        }
        finally
        {
            if (_kept is null)
            {
                await _connection.DisposeAsync();
            }
            else if (ended)
            {
                await _slot!.ReturnAsync(_kept);
            }
            else
            {
                // A kept connection goes back only as it was taken: not with its transaction's end unknown.
                await _kept.DisposeAsync();
            }
        }
    }
}
