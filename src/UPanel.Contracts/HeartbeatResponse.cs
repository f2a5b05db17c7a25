using System.Text.Json.Serialization;

namespace UPanel.Contracts;

/// <summary>The panel's answer to a heartbeat. Agents read it tolerantly: unknown fields are ignored.</summary>
public sealed record HeartbeatResponse
{
    public string Status { get; init; } = "ok";

    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? ServerTime { get; init; }

    /// <summary>When present, overrides the agent's interval (clamped to 5–3600 s).</summary>
    public int? NextHeartbeatSeconds { get; init; }

    public bool? UpdateAvailable { get; init; }

    /// <summary>Image reference of the agent version the panel wants.</summary>
    public string? UpdateUrl { get; init; }

    /// <summary>
    /// In-band rotation: the token the agent must use from now on. The panel keeps the old one
    /// valid until this one is first used or 24 h pass.
    /// </summary>
    public string? NewAgentToken { get; init; }
}
