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
        command.CommandText = "SELECT pg_advisory_xact_lock(7206541)";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
