using System.Data.Common;
using Npgsql;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// An empty database of each engine for a migration test, made for it and removed after: a SQLite file in a temp
/// directory, or a PostgreSQL database beside the test server's. The test's step takes the dialect over (the store it
/// opens disposes it).
/// </summary>
internal static class MigrationDatabases
{
    public static async Task OnSqliteAsync(string name, Func<SqlDialect, Task> step)
    {
        var directory = Directory.CreateTempSubdirectory($"upanel-migrate-{name}-").FullName;
        try
        {
            await step(new SqliteDialect(Path.Combine(directory, "panel.db")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static async Task OnPostgresAsync(string name, Func<SqlDialect, Task> step)
    {
        var server = Environment.GetEnvironmentVariable(RequiredServices.PostgresVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            RequiredServices.Unavailable($"PostgreSQL tests need {RequiredServices.PostgresVariable}; source scripts/services.sh");
        }

        var database = $"upanel_test_m{name}_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteOnServerAsync(server, $"CREATE DATABASE {database}");
        try
        {
            await step(new PostgresDialect(new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteOnServerAsync(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task ExecuteOnServerAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(connection, sql);
    }
}
