using System.Data.Common;
using Npgsql;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>A fresh database per fixture on the server named by UPANEL_TEST_POSTGRES, dropped afterwards.</summary>
public class PostgresPanelFixture : PanelFixture
{
    private string? _adminConnectionString;
    private string? _database;

    public override string Engine => "postgres";

    internal override string ListTablesSql => "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name";

    internal override async Task<PanelOptions?> CreateOptionsAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(RequiredServices.PostgresVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            UnavailableReason = $"PostgreSQL tests need {RequiredServices.PostgresVariable} (e.g. Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres); source scripts/services.sh";
            return null;
        }

        _database = "upanel_test_" + Guid.NewGuid().ToString("N")[..16];
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            UnavailableReason = $"PostgreSQL at {RequiredServices.PostgresVariable} is not reachable ({exception.GetType().Name}: {exception.Message}); start it with scripts/services.sh";
            _database = null;
            return null;
        }

        _adminConnectionString = connectionString;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Database = _database };
        return new PanelOptions { DataDirectory = DataDirectory, PostgresConnectionString = builder.ConnectionString };
    }

    internal override async Task<DbConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(Options.PostgresConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    protected override async Task CleanUpAsync()
    {
        if (_database is not null && _adminConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
