using System.Text.Json.Serialization;

namespace UPanel.Contracts;

/// <summary>The body of <c>POST /api/agent/heartbeat</c>: one sample of the host and its containers.</summary>
public sealed record Heartbeat
{
    public required string ServerId { get; init; }

    /// <summary>
    /// When the sample was taken (not when it was sent). Our agent always sends it; the panel takes a heartbeat without
    /// it (the seed's manual curl) at its time of receipt and marks it so (docs/panel.md).
    /// </summary>
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? Timestamp { get; init; }

    public required HostMetrics Metrics { get; init; }

    /// <summary>Every container, running or not; <c>null</c> (written, not omitted) when Docker could not be asked.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public IReadOnlyList<ContainerInfo>? Containers { get; init; }

    /// <summary>Our agent always sends it; the seed's manual curl does not (the panel stores the version as unknown).</summary>
    public string? AgentVersion { get; init; }

    /// <summary>Unique per heartbeat, so a resent heartbeat is stored once.</summary>
    public string? HeartbeatId { get; init; }

    /// <summary>Increases across agent restarts.</summary>
    public long? Seq { get; init; }

    /// <summary>
    /// Ours, not the seed's: heartbeats the agent's queue has dropped (full during a long outage) since the queue was
    /// created, as of this sample. The panel shows it; a difference between two heartbeats is what was lost between.
    /// </summary>
    public long? DroppedHeartbeats { get; init; }

    /// <summary>
    /// Ours, not the seed's: how far the agent's clock is off the panel's (the panel's <c>server_time</c> minus the
    /// agent's clock when the answer arrived), whole seconds, positive when the agent is behind. Absent until known.
    /// </summary>
    public int? ClockSkewSeconds { get; init; }
}
