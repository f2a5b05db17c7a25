namespace UPanel.Panel.Storage;

/// <summary>A registration with an install token, carrying the server id and token hash to use if it creates a server.</summary>
internal sealed record Registration
{
    public required string InstallTokenHash { get; init; }

    /// <summary>machine_id when the agent sent one, else the hostname: what makes a repeat "the same machine".</summary>
    public required string MachineKey { get; init; }

    public string? MachineId { get; init; }
    public required string Hostname { get; init; }
    public required string OsVersion { get; init; }
    public required int CpuCores { get; init; }
    public required long RamMb { get; init; }
    public required long DiskGb { get; init; }
    public required string AgentVersion { get; init; }
    public required string NewServerId { get; init; }
    public required string NewTokenHash { get; init; }
    public required DateTimeOffset Now { get; init; }
    public required int DefaultHeartbeatSeconds { get; init; }
}
