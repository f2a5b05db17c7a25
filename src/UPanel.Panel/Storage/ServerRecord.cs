using UPanel.Contracts;

namespace UPanel.Panel.Storage;

/// <summary>
/// One server row as the read API needs it: facts, settings, token state (never a token) and latest state (its columns; the
/// latest heartbeat itself comes from <see cref="IPanelStore.GetLatestHeartbeatAsync"/>).
/// </summary>
internal sealed record ServerRecord
{
    public required string Id { get; init; }
    public required string Hostname { get; init; }
    public required string OsVersion { get; init; }
    public required long CpuCores { get; init; }
    public required long RamMb { get; init; }
    public required long DiskGb { get; init; }
    public required string RegisteredAgentVersion { get; init; }
    public string? MachineId { get; init; }
    public required int NextHeartbeatSeconds { get; init; }
    public string? TargetAgentVersion { get; init; }
    public string? UpdateUrl { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastSeenAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public bool RotationPending { get; init; }
    public DateTimeOffset? PreviousTokenExpiresAt { get; init; }
    public DateTimeOffset? LatestSampleAt { get; init; }
    public long? LatestSeq { get; init; }
    public string? LatestAgentVersion { get; init; }
    public long? LatestContainerCount { get; init; }

    /// <summary>The latest heartbeat's host numbers (null before the first heartbeat), from columns kept beside it.</summary>
    public HostMetrics? LatestMetrics { get; init; }
    public ContainerCounts LatestContainerCounts { get; init; }
}
