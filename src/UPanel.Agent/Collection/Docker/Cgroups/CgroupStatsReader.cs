namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>
/// Reads containers' CPU and memory straight from cgroup files under HOST_SYS (no engine CPU, ≈ 25 µs per container).
/// Not thread-safe: one collection at a time (the source serialises them).
/// The layout is detected once from the first container whose files are found, then reused.
/// <para>
/// A container's inactive file cache (<c>memory.stat</c>, which the kernel builds anew at every read: about 16 µs on
/// this machine, against 1–2 µs for each of the other two files) is read again only when its last reading is
/// <see cref="CacheReuse"/> old or the usage moved by more than <see cref="CacheDrift"/> since it: new or dropped
/// page cache moves the usage by as much, so the memory figure stays within that of <c>docker stats</c>', and pages
/// aging between the active and inactive lists show within <see cref="CacheReuse"/>. At the default 60 s interval
/// every heartbeat reads it (docs/decisions/cgroup-files-for-container-stats.md).
/// </para>
/// </summary>
internal sealed class CgroupStatsReader(IHostFiles files, TimeProvider time)
{
    /// <summary>How long a container's inactive file cache is reused while its usage holds.</summary>
    internal static readonly TimeSpan CacheReuse = TimeSpan.FromSeconds(30);

    /// <summary>How far the usage may move from what it was at the cache's reading before the cache is read again: 4 MiB,
    /// or 1/32 of that usage when more.</summary>
    internal static ulong CacheDrift(ulong usageAtReading) => Math.Max(4UL << 20, usageAtReading / 32);

    private volatile CgroupLayout? _layout;
    private const int DetectionAttemptsPerRound = 3;
    private int _detectionAttempts;
    private char[] _buffer = new char[4096];

    // The three files' paths of each container read, made once: building them was two thirds of what a heartbeat
    // allocated with 20 containers (docs/decisions/one-thread-per-heartbeat.md, fourth pass). Removed by Forget or a
    // failed read, so it holds no more containers than are measured.
    private readonly Dictionary<string, ContainerFiles> _paths = new(StringComparer.Ordinal);

    /// <summary>The detected layout, or null while none matched (then every container goes through the API).</summary>
    public CgroupLayout? Layout => _layout;

    /// <summary>Called at the start of each collection: while no layout is known, detection is tried on at most
    /// <see cref="DetectionAttemptsPerRound"/> containers per round (one may sit in a custom --cgroup-parent).</summary>
    public void StartRound() => _detectionAttempts = 0;

    /// <summary>The sample of a running container, or null when its files are not visible (the caller falls back).</summary>
    public ContainerResourceSample? TryRead(string fullId)
    {
        var layout = _layout ?? Detect(fullId);
        if (layout is null)
        {
            return null;
        }

        if (!_paths.TryGetValue(fullId, out var paths) || paths.Layout != layout)
        {
            paths = new ContainerFiles(layout, layout.CpuFile(fullId), layout.MemoryUsageFile(fullId), layout.MemoryStatFile(fullId));
            _paths[fullId] = paths;
        }

        try
        {
            // One reused buffer, no string per file: this runs for every running container every heartbeat.
            ulong? cpuNs = layout.Version == 1
                ? CgroupCounterParser.Parse(Read(paths.Cpu))
                : CgroupCpuStatParser.Parse(Read(paths.Cpu))?.UsageUsec * 1000;
            var usage = CgroupCounterParser.Parse(Read(paths.MemoryUsage));
            if (cpuNs is not null && usage is not null)
            {
                return new ContainerResourceSample(cpuNs.Value, ContainerResourceSample.MemoryWithoutCache(usage.Value, InactiveFileCache(paths, usage.Value)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone between list and read, a custom --cgroup-parent, or not mounted: the API fallback covers it.
        }

        _paths.Remove(fullId);
        return null;
    }

    /// <summary>Closes the files kept open for a container that is no longer measured (stopped or gone).</summary>
    public void Forget(string fullId)
    {
        if (_paths.Remove(fullId, out var paths))
        {
            files.Forget(HostRootKind.Sys, paths.Cpu);
            files.Forget(HostRootKind.Sys, paths.MemoryUsage);
            files.Forget(HostRootKind.Sys, paths.MemoryStat);
        }
        else if (_layout is { } layout)
        {
            files.Forget(HostRootKind.Sys, layout.CpuFile(fullId));
            files.Forget(HostRootKind.Sys, layout.MemoryUsageFile(fullId));
            files.Forget(HostRootKind.Sys, layout.MemoryStatFile(fullId));
        }
    }

    /// <summary>Whether a container's file paths are held (for tests).</summary>
    internal bool HoldsPathsOf(string fullId) => _paths.ContainsKey(fullId);

    private ulong? InactiveFileCache(ContainerFiles paths, ulong usage)
    {
        var now = time.GetTimestamp();
        if (paths.CacheReadAt is { } readAt && time.GetElapsedTime(readAt, now) < CacheReuse
            && (usage > paths.CacheUsage ? usage - paths.CacheUsage : paths.CacheUsage - usage) <= CacheDrift(paths.CacheUsage))
        {
            return paths.Cache;
        }

        paths.Cache = CgroupMemoryStatParser.Parse(Read(paths.MemoryStat)).CacheToSubtract;
        paths.CacheUsage = usage;
        paths.CacheReadAt = now;
        return paths.Cache;
    }

    private ReadOnlySpan<char> Read(string relativePath) => files.ReadText(HostRootKind.Sys, relativePath, ref _buffer);

    private CgroupLayout? Detect(string fullId)
    {
        // Without a limit, a host whose files are not visible would pay 16 failed stats per container per collection.
        if (_detectionAttempts >= DetectionAttemptsPerRound)
        {
            return null;
        }

        _detectionAttempts++;
        foreach (var candidate in CgroupLayout.Candidates)
        {
            if (files.Exists(HostRootKind.Sys, candidate.CpuFile(fullId))
                && files.Exists(HostRootKind.Sys, candidate.MemoryUsageFile(fullId)))
            {
                _layout = candidate;
                return candidate;
            }
        }

        return null;
    }

    private sealed record ContainerFiles(CgroupLayout Layout, string Cpu, string MemoryUsage, string MemoryStat)
    {
        /// <summary>The inactive file cache last read from <see cref="MemoryStat"/>, the usage then, and when.</summary>
        public ulong? Cache { get; set; }

        public ulong CacheUsage { get; set; }

        public long? CacheReadAt { get; set; }
    }
}
