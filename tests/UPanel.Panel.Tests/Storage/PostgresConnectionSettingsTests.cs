using Npgsql;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// The panel's connections to PostgreSQL keep the statements they run often prepared and are not reset between uses
/// (docs/decisions/ingest-throughput.md, fourth pass), unless the operator's connection string says otherwise.
/// </summary>
public sealed class PostgresConnectionSettingsTests
{
    [Fact]
    public void Statements_are_kept_prepared_and_connections_not_reset_by_default()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDialect.Tuned("Host=db.example;Port=5433;Username=panel;Database=upanel"));

        Assert.Equal(32, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(("db.example", 5433, "panel", "upanel"), (tuned.Host, tuned.Port, tuned.Username, tuned.Database));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData("Host=db;maxautoprepare=0;noresetonclose=false")]
    public void The_connection_strings_own_settings_are_kept(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDialect.Tuned(connectionString));

        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.False(tuned.NoResetOnClose);
    }
}
