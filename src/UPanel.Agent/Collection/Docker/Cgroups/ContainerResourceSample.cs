namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>One reading of a container's counters: cumulative CPU time and memory as <c>docker stats</c> counts it.</summary>
internal readonly record struct ContainerResourceSample(ulong CpuNanoseconds, ulong MemoryBytes)
{
    /// <summary>usage − inactive file cache, as the docker CLI does (only when the cache is smaller than usage).</summary>
    public static ulong MemoryWithoutCache(ulong usage, ulong? inactiveFile) =>
        inactiveFile is { } cache && cache < usage ? usage - cache : usage;
}
