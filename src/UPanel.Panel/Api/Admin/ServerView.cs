using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>A server with its latest state, as the admin read API shows it. Never a token.</summary>
internal sealed record ServerView
{
    public required string Id { get; init; }
    public required string Hostname { get; init; }
    public required string OsVersion { get; init; }
    public required long CpuCores { get; init; }
    public required long RamMb { get; init; }
    public required long DiskGb { get; init; }
    public string? MachineId { get; init; }

    /// <summary>online, offline (no heartbeat for the server's offline_after_intervals, 3 by default), never_seen or revoked.</summary>
    public required string Status { get; init; }
    public required bool Online { get; init; }
    public required string AgentVersion { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the panel last received a heartbeat (its own clock).</summary>
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>When the latest sample was taken (the agent's clock).</summary>
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? LatestSampleAt { get; init; }

    public long? LatestSeq { get; init; }
    public required int NextHeartbeatSeconds { get; init; }
    public required int OfflineAfterSeconds { get; init; }

    /// <summary>Null when the latest heartbeat said Docker could not be asked.</summary>
    public long? ContainerCount { get; init; }
    public HostMetrics? Metrics { get; init; }
    public string? TargetAgentVersion { get; init; }

    /// <summary>The agent reports another version than <see cref="TargetAgentVersion"/>: it is told to update (update_url).</summary>
    public bool UpdateAvailable => AgentUpdate.IsAvailable(TargetAgentVersion, AgentVersion);
    public string? UpdateUrl { get; init; }
    public required bool TokenRotationPending { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? PreviousTokenValidUntil { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? RevokedAt { get; init; }
}
