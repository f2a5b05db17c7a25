using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Alerts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// When the disk forecast sees a sample: the line is fitted to the samples before the start of the evaluation's minute,
/// once a minute per server (docs/decisions/ingest-throughput.md, twelfth pass), so a sample counts from the next minute
/// on, and every panel fits the same samples for the same minute.
/// </summary>
public abstract class DiskForecastTimingTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_sample_enters_the_disk_forecast_at_the_start_of_the_next_minute()
    {
        var server = await Panel.NewServerAsync("forecast-host");
        var service = Panel.App.Services.GetRequiredService<AlertService>();
        var clock = Panel.Time.GetUtcNow();
        var minute = DiskForecast.FittedAt(clock).AddMinutes(1);
        Panel.Time.Advance(minute.AddSeconds(5) - clock);

        // Before this minute: 20 to 60 GB of 100 GB over 88 min 58 s (full in about 90 minutes at that rate), a span just
        // short of the quarter of the 6-hour window a forecast needs. A sample at 5 s into the minute makes it 90 min 3 s.
        await using (var connection = await fixture.OpenDatabaseAsync())
        {
            await ForecastHistory.InsertAsync(connection, server.ServerId, minute);
        }

        ((SqlPanelStore)Panel.App.Services.GetRequiredService<IPanelStore>()).DiskWindows?.Forget();

        await ForecastHistory.HeartbeatAsync(Panel, server, 1);
        await ForecastHistory.EvaluatedAsync(service, server.ServerId);
        Assert.False(await ForecastHistory.FiringAsync(Panel, server.ServerId));

        // The same minute: the heartbeat at 5 s, which would make the span long enough, is not fitted yet.
        Panel.Time.Advance(TimeSpan.FromSeconds(10));
        await ForecastHistory.HeartbeatAsync(Panel, server, 2);
        await ForecastHistory.EvaluatedAsync(service, server.ServerId);
        Assert.False(await ForecastHistory.FiringAsync(Panel, server.ServerId));

        // The next minute: both heartbeats are, and the disk is full within the day at this trend.
        Panel.Time.Advance(TimeSpan.FromSeconds(50));
        await ForecastHistory.HeartbeatAsync(Panel, server, 3);
        await ForecastHistory.EvaluatedAsync(service, server.ServerId);
        Assert.True(await ForecastHistory.FiringAsync(Panel, server.ServerId));
    }
}

/// <summary>
/// A disk history whose forecast needs one more sample: 20 to 60 GB of 100 GB over 88 min 58 s before
/// <c>minute</c> (full in about 90 minutes at that rate), a span just short of the quarter of the 6-hour window a forecast
/// needs; a heartbeat at 5 s into <c>minute</c> makes it 90 min 3 s.
/// </summary>
internal static class ForecastHistory
{
    /// <summary>60 samples written behind the panel's back (a SQLite panel's kept windows must be forgotten after).</summary>
    public static async Task InsertAsync(DbConnection connection, string serverId, DateTimeOffset minute)
    {
        var first = minute - TimeSpan.FromSeconds((89 * 60) + 58);
        var last = minute.AddMinutes(-1);
        const int Count = 60;
        for (var i = 0; i < Count; i++)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, disk_used_gb, disk_total_gb)
                VALUES (@server, @id, NULL, @at, @at, '1.0.0', @used, 100)
                """;
            Db.Add(command, "server", serverId);
            Db.Add(command, "id", $"01JFORECAST{i:D15}");
            Db.Add(command, "at", first + ((last - first) * i / (Count - 1)));
            Db.Add(command, "used", (long)Math.Round(20 + (40.0 * i / (Count - 1))));
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A heartbeat at the panel's now, continuing the line (61 GB).</summary>
    public static async Task HeartbeatAsync(PanelHost panel, Contracts.RegisterResponse server, long seq)
    {
        var heartbeat = panel.NewHeartbeat(server.ServerId, seq);
        await panel.HeartbeatOkAsync(server.AgentToken, heartbeat with { Metrics = heartbeat.Metrics with { DiskUsedGb = 61, DiskTotalGb = 100 } });
    }

    /// <summary>Two evaluation passes begun after the server was asked for: whatever it was queued for has been evaluated.</summary>
    public static async Task EvaluatedAsync(AlertService service, string serverId)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            var evaluated = service.NextEvaluation;
            service.EvaluateSoon(serverId);
            await evaluated.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }

    public static async Task<bool> FiringAsync(PanelHost panel, string serverId) =>
        (await panel.StoredAlertStateAsync(serverId)).Firing.Keys.Any(k => k.Kind == AlertKind.DiskFullForecast);
}

public sealed class DiskForecastTimingTestsOnSqlite(SqlitePanelFixture fixture) : DiskForecastTimingTests<SqlitePanelFixture>(fixture);

public sealed class DiskForecastTimingTestsOnPostgres(PostgresPanelFixture fixture) : DiskForecastTimingTests<PostgresPanelFixture>(fixture);
