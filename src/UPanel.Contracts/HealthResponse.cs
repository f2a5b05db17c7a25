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

    /// <summary>ok, or what is wrong with the panel (unreachable, unauthorized).</summary>
    public string? Panel { get; init; }

    /// <summary>ok, or what is wrong with the Docker socket.</summary>
    public string? Docker { get; init; }

    /// <summary>True when the panel's last answer offered an update (its <c>update_available</c>); absent otherwise.</summary>
    public bool? UpdateAvailable { get; init; }

    /// <summary>The image the panel offers (its <c>update_url</c>), when it named one.</summary>
    public string? UpdateUrl { get; init; }
}
