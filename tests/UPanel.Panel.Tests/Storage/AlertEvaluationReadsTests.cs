using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// What the alert evaluation reads for each heartbeat, on the real engines: only the disk samples the forecast uses, and
/// the stored alert state only when its version is not the one the evaluation knows (docs/decisions/ingest-throughput.md).
/// </summary>
public abstract class AlertEvaluationReadsTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Disk_samples_are_the_windows_heartbeats_that_report_used_and_a_total_above_zero_oldest_first()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Clock.GetUtcNow();
        (TimeSpan Ago, long? Used, long? Total)[] sent =
        [
            (TimeSpan.FromMinutes(30), 45, 100),
            (TimeSpan.FromHours(7), 30, 100), // before the window
            (TimeSpan.FromHours(3), 40, 100),
            (TimeSpan.FromHours(2), null, 100),
            (TimeSpan.FromHours(1), 0, 0),
            (TimeSpan.FromMinutes(90), 41, null),
            (TimeSpan.FromHours(4), 38, 200),
        ];
        foreach (var (ago, used, total) in sent)
        {
            var heartbeat = Panel.NewHeartbeat(server.ServerId, timestamp: now - ago);
            await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat with { Metrics = heartbeat.Metrics with { DiskUsedGb = used, DiskTotalGb = total } });
        }

        var samples = await Panel.Store.GetDiskSamplesAsync(server.ServerId, now - TimeSpan.FromHours(6), now, Cancel);

        Assert.Equal(
            [
                new DiskSample(Ms(now - TimeSpan.FromHours(4)), 38, 200),
                new DiskSample(Ms(now - TimeSpan.FromHours(3)), 40, 100),
                new DiskSample(Ms(now - TimeSpan.FromMinutes(30)), 45, 100),
            ],
            samples);
        Assert.Empty(await Panel.Store.GetDiskSamplesAsync(server.ServerId, now - TimeSpan.FromMinutes(29), now, Cancel));
    }

    [Fact]
    public async Task The_alert_state_is_read_only_when_its_version_is_not_the_known_one()
    {
        var alerts = Panel.App.Services.GetRequiredService<AlertStore>();
        var server = await Panel.NewServerAsync();
        var now = Panel.Clock.GetUtcNow();
        Assert.Equal((0L, (string?)null), await alerts.LoadStateAsync(server.ServerId, -1, Cancel));

        const string first = """{"firing":[],"pending":[],"notified":[],"restarts":{}}""";
        Assert.True(await alerts.CommitAsync(server.ServerId, 0, first, [], new HashSet<AlertTransition>(), [], now, Cancel));
        Assert.Equal((1L, first), await alerts.LoadStateAsync(server.ServerId, -1, Cancel));
        Assert.Equal((1L, (string?)null), await alerts.LoadStateAsync(server.ServerId, 1, Cancel));

        // Another evaluation (another panel's) wrote a new version: a reader that knew version 1 gets it whole.
        const string second = """{"firing":[],"pending":[],"notified":[],"containers":[],"restarts":{}}""";
        Assert.True(await alerts.CommitAsync(server.ServerId, 1, second, [], new HashSet<AlertTransition>(), [], now, Cancel));
        Assert.Equal((2L, second), await alerts.LoadStateAsync(server.ServerId, 1, Cancel));
        Assert.Equal((2L, (string?)null), await alerts.LoadStateAsync(server.ServerId, 2, Cancel));
    }

    // Sample times are stored to the millisecond.
    private static DateTimeOffset Ms(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}
