using System.Data.Common;
using Microsoft.Data.Sqlite;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tests.Infrastructure;

public sealed class SqlitePanelFixture : PanelFixture
{
    public override string Engine => "sqlite";

    internal override string ListTablesSql => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

    internal override Task<PanelOptions?> CreateOptionsAsync() =>
        Task.FromResult<PanelOptions?>(new PanelOptions { DataDirectory = DataDirectory });

    internal override async Task<DbConnection> OpenDatabaseAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Options.SqlitePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }
}
