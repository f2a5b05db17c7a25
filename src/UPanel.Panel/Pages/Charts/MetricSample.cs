namespace UPanel.Panel.Pages.Charts;

/// <summary>The chart columns of one stored heartbeat; <paramref name="AtMs"/> is its sample time in Unix milliseconds.</summary>
internal readonly record struct MetricSample(
    long AtMs,
    double? CpuPercent,
    long? RamUsedMb,
    long? RamTotalMb,
    long? DiskUsedGb,
    long? DiskTotalGb,
    double? Load1,
    long? NetworkInBytes,
    long? NetworkOutBytes);
