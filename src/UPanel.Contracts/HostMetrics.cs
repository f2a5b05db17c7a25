namespace UPanel.Contracts;

/// <summary>
/// Host numbers as DESIGN.md defines them. A field is null (omitted) when the kernel file that
/// feeds it could not be read, so one broken file never costs the whole heartbeat.
/// </summary>
public sealed record HostMetrics
{
    /// <summary>Busy share of all CPUs since the previous sample, 0–100.</summary>
    public double? CpuPercent { get; init; }

    /// <summary>MemTotal − MemAvailable, MiB.</summary>
    public long? RamUsedMb { get; init; }

    public long? RamTotalMb { get; init; }

    /// <summary>Total − free blocks of the host's root filesystem, GiB.</summary>
    public long? DiskUsedGb { get; init; }

    public long? DiskTotalGb { get; init; }

    /// <summary>The three numbers of /proc/loadavg.</summary>
    public IReadOnlyList<double>? LoadAverage { get; init; }

    /// <summary>Counters since boot over non-virtual interfaces.</summary>
    public long? NetworkInBytes { get; init; }

    public long? NetworkOutBytes { get; init; }
}
