using System.Text.Json.Serialization;

namespace UPanel.Contracts;

/// <summary>The agent's <c>GET /health</c>: liveness plus non-sensitive state, never a secret.</summary>
public sealed record HealthResponse
{
    public string Status { get; init; } = "ok";

    public long UptimeSeconds { get; init; }

    public required string Version { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? LastHeartbeatAt { get; init; }

    public int? QueueLength { get; init; }

    /// <summary>Heartbeats the queue dropped (full during a long outage) since it was created, kept across restarts.</summary>
    public long? QueueDropped { get; init; }

    /// <summary>Absent while the queue is on disk; otherwise why new heartbeats are kept in memory only.</summary>
    public string? QueueProblem { get; init; }

    /// <summary>Seconds the agent's clock is off the panel's (positive: the agent is behind), once known.</summary>
    public int? ClockSkewSeconds { get; init; }

    /// <summary>ok, or what is wrong with the panel (unreachable, unauthorized).</summary>
    public string? Panel { get; init; }

    /// <summary>ok, or what is wrong with the Docker socket.</summary>
    public string? Docker { get; init; }

    /// <summary>True when the panel's last answer offered an update (its <c>update_available</c>); absent otherwise.</summary>
    public bool? UpdateAvailable { get; init; }

    /// <summary>The image the panel offers (its <c>update_url</c>), when it named one.</summary>
    public string? UpdateUrl { get; init; }
}
