using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

internal sealed record HeartbeatView
{
    public required long Id { get; init; }
    public string? HeartbeatId { get; init; }
    public long? Seq { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset Timestamp { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>True when the heartbeat came without a timestamp and <see cref="Timestamp"/> is the time of receipt.</summary>
    public bool? TimestampFromReceipt { get; init; }

    /// <summary>Null when the heartbeat did not say.</summary>
    public string? AgentVersion { get; init; }
    public required HostMetrics Metrics { get; init; }
    public long? ContainerCount { get; init; }
}
