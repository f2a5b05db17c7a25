using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>The smallest heartbeat our agent sends (host metrics of <see cref="FakeHostMetricsSource"/>, no Docker), for tests that only need a body.</summary>
internal static class TestHeartbeats
{
    public static Heartbeat Minimal(DateTimeOffset timestamp, long seq = 1) => new()
    {
        ServerId = "01HQSERVER",
        Timestamp = timestamp,
        Metrics = new FakeHostMetricsSource().Metrics,
        Containers = null,
        AgentVersion = "1.0.0",
        HeartbeatId = "01JAAAAAAAAAAAAAAAAAAAAAAA",
        Seq = seq,
    };
}
