using System.Data.Common;
using Npgsql;

namespace UPanel.Panel.Storage;

internal sealed class PostgresDialect(string connectionString) : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource = new NpgsqlSlimDataSourceBuilder(connectionString).Build();

    public override string Name => "postgres";

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

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
