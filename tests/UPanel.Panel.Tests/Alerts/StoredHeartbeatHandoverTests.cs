using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// The evaluation takes the heartbeat the ingest handed over only while the server's row still holds it as the latest
/// (<see cref="AlertService.IsLatestOf"/>); otherwise it reads the latest from the database.
/// </summary>
public sealed class StoredHeartbeatHandoverTests
{
    private static readonly DateTimeOffset Sample = new(2026, 12, 5, 10, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void The_handed_heartbeat_is_the_latest_when_the_row_has_its_sample_time_to_the_millisecond_and_its_seq()
    {
        Assert.True(AlertService.IsLatestOf(Heartbeat(Sample.AddTicks(4567), 41), Row(Sample, 41)));
        Assert.True(AlertService.IsLatestOf(Heartbeat(Sample, null), Row(Sample, null)));
    }

    [Fact]
    public void A_newer_latest_stored_meanwhile_is_read_from_the_database()
    {
        Assert.False(AlertService.IsLatestOf(Heartbeat(Sample, 41), Row(Sample, 42)));
        Assert.False(AlertService.IsLatestOf(Heartbeat(Sample, 41), Row(Sample.AddMilliseconds(1), 41)));
        Assert.False(AlertService.IsLatestOf(Heartbeat(Sample, null), Row(Sample, 1)));
        Assert.False(AlertService.IsLatestOf(Heartbeat(Sample, 41), Row(null, null)));
    }

    private static Heartbeat Heartbeat(DateTimeOffset timestamp, long? seq) => new()
    {
        ServerId = "01SERVER",
        Timestamp = timestamp,
        Metrics = new HostMetrics { CpuPercent = 1 },
        Seq = seq,
    };

    private static EvaluatedServer Row(DateTimeOffset? latestSampleAt, long? latestSeq) => new()
    {
        CpuCores = 2,
        RegisteredAgentVersion = "1.0.0",
        NextHeartbeatSeconds = 60,
        LatestSampleAt = latestSampleAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()) : null,
        LatestSeq = latestSeq,
    };
}
