using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>Several panels started at once on one empty database (PostgreSQL is meant to be shared) all come up.</summary>
public sealed class ConcurrentMigrationTests
{
    private const int Panels = 4;
    private const int Rounds = 5;

    [Fact]
    public async Task Panels_migrating_one_empty_postgres_database_at_once_all_succeed()
    {
        var server = Environment.GetEnvironmentVariable(RequiredServices.PostgresVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            RequiredServices.Unavailable($"PostgreSQL tests need {RequiredServices.PostgresVariable}; source scripts/services.sh");
        }

        // The race is a window of milliseconds: a few rounds make a regression show every time.
        for (var round = 0; round < Rounds; round++)
        {
            var database = "upanel_test_" + Guid.NewGuid().ToString("N")[..16];
            await ExecuteAsync(server!, $"CREATE DATABASE {database}");
            try
            {
                var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
                await MigrateAtOnceAsync(() => new PostgresDialect(connectionString));
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(server!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
    }

    [Fact]
    public async Task Panels_migrating_one_empty_sqlite_file_at_once_all_succeed()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var directory = Directory.CreateTempSubdirectory("upanel-migrate-").FullName;
            try
            {
                await MigrateAtOnceAsync(() => new SqliteDialect(Path.Combine(directory, "panel.db")));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task MigrateAtOnceAsync(Func<SqlDialect> dialect)
    {
        var failures = await Task.WhenAll(Enumerable.Range(0, Panels).Select(_ => Task.Run(async () =>
        {
            await using var store = new SqlPanelStore(dialect(), TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
            try
            {
                await store.MigrateAsync(TestContext.Current.CancellationToken);
                return null;
            }
            catch (System.Data.Common.DbException exception)
            {
                return exception.Message;
            }
        })));

        Assert.Equal(new string?[Panels], failures);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
