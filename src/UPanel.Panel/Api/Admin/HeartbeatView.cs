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

    public required string AgentVersion { get; init; }
    public required HostMetrics Metrics { get; init; }
    public long? ContainerCount { get; init; }
}
