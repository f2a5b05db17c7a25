using Microsoft.Data.Sqlite;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>A fault that cannot happen on demand otherwise: the storage breaks under a running panel.</summary>
public sealed class UnhandledErrorTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("upanel-panel-500-").FullName;
    private PanelHost? _panel;

    public async ValueTask InitializeAsync() =>
        _panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = _dataDirectory });

    [Fact]
    public async Task A_storage_failure_is_logged_counted_and_answered_with_a_generic_500()
    {
        var panel = _panel!;
        var server = await panel.NewServerAsync();
        await using (var connection = new SqliteConnection($"Data Source={panel.Options.SqlitePath};Pooling=False"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE heartbeats";
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var response = await panel.PostHeartbeatAsync(server.AgentToken, panel.NewHeartbeat(server.ServerId));

        var body = await PanelHost.ReadJsonAsync(response, 500);
        Assert.Equal("""{"status":"error","error":"internal error"}""", body.GetRawText());
        Assert.Equal(1, panel.UnhandledErrors);
        var logged = Assert.Single(panel.Logs.GetSnapshot(), r => r.Id.Id == 2090);
        Assert.Contains("/api/agent/heartbeat", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.AgentToken, logged.Message + logged.Exception, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_panel is not null)
        {
            await _panel.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }
}
