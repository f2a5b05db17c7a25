namespace UPanel.Panel.Pages;

/// <summary>One server as the overview draws it (polled as JSON).</summary>
internal sealed record OverviewRow
{
    public required string Id { get; init; }
    public required string Hostname { get; init; }

    /// <summary>online, stale (a heartbeat missed: more than 2 intervals, not yet offline), offline, never_seen or revoked.</summary>
    public required string Status { get; init; }

    /// <summary>Lower sorts first: servers with a problem lead.</summary>
    public required int Rank { get; init; }
    public long? LastSeenSecondsAgo { get; init; }
    public required string AgentVersion { get; init; }
    public string? TargetAgentVersion { get; init; }
    public required bool Behind { get; init; }

    /// <summary>Null when Docker was not reachable on the server (or it never reported).</summary>
    public long? ContainerCount { get; init; }
    public required bool DockerUnreachable { get; init; }
    public required int Unhealthy { get; init; }
    public required int Exited { get; init; }
    public required int Restarting { get; init; }
    public double? CpuPercent { get; init; }
    public long? RamUsedMb { get; init; }
    public long? RamTotalMb { get; init; }
    public long? DiskUsedGb { get; init; }
    public long? DiskTotalGb { get; init; }
    public double? Load1 { get; init; }

    /// <summary>Alerts firing on the server now.</summary>
    public required int Firing { get; init; }
}
