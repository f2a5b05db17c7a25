namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>
/// The inactive file cache of a cgroup's <c>memory.stat</c>, in bytes: <c>inactive_file</c> (v2, or the cgroup's own
/// pages on v1) and <c>total_inactive_file</c> (v1 only, including child cgroups). Null when the key is absent.
/// </summary>
internal sealed record CgroupMemoryStat(ulong? InactiveFile, ulong? TotalInactiveFile)
{
    /// <summary>What <c>docker stats</c> subtracts from usage: total_inactive_file on v1, inactive_file on v2.</summary>
    public ulong? CacheToSubtract => TotalInactiveFile ?? InactiveFile;
}
