namespace UPanel.Contracts;

/// <summary>The body of <c>POST /api/agent/register</c>: facts of the host (not of the agent's container).</summary>
public sealed record RegisterRequest
{
    public required string Hostname { get; init; }

    public required string OsVersion { get; init; }

    public required int CpuCores { get; init; }

    public required long RamMb { get; init; }

    public required long DiskGb { get; init; }

    public required string AgentVersion { get; init; }

    /// <summary>
    /// The host's /etc/machine-id, so a repeated registration with the same install token from the
    /// same machine yields the same server.
    /// </summary>
    public string? MachineId { get; init; }
}
