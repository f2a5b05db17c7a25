namespace UPanel.Panel.Pages.Charts;

/// <summary>
/// What the detail page draws: one point per bucket (its start, Unix seconds), each metric as min/avg/max of the
/// samples in it; null where a bucket holds no sample (drawn as a gap).
/// </summary>
internal sealed record ChartSeries
{
    public required long FromSeconds { get; init; }
    public required long ToSeconds { get; init; }
    public required int BucketSeconds { get; init; }
    /// <summary>Heartbeats in the charted range.</summary>
    public required int Samples { get; init; }
    public required long[] Time { get; init; }
    public required Band Cpu { get; init; }
    public required Band RamUsedMb { get; init; }
    public required double?[] RamTotalMb { get; init; }
    public required Band DiskUsedGb { get; init; }
    public required double?[] DiskTotalGb { get; init; }
    public required Band Load1 { get; init; }

    /// <summary>Bytes per second from the counters; no value across a counter reset or a gap.</summary>
    public required Band NetworkInRate { get; init; }
    public required Band NetworkOutRate { get; init; }
}
