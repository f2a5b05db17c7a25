using UPanel.Contracts;

namespace UPanel.Panel.Storage;

/// <summary>One stored heartbeat of a server's history.</summary>
internal sealed record HeartbeatRecord
{
    public required long Id { get; init; }
    public string? HeartbeatId { get; init; }
    public long? Seq { get; init; }
    public required DateTimeOffset SampleAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public bool TimestampFromReceipt { get; init; }
    public string? AgentVersion { get; init; }
    public required HostMetrics Metrics { get; init; }
    public long? ContainerCount { get; init; }
}
