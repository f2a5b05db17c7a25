namespace UPanel.Panel.Pages.Charts;

/// <summary>
/// A stretch of one server's history as the charts read it: a raw heartbeat (one sample) or a rollup row (the samples
/// of a few minutes, Storage/HistoryRollup.cs). <see cref="InRate"/>/<see cref="OutRate"/> hold the network rates
/// between consecutive samples inside the stretch; the rate from the stretch before to this one comes from the
/// counter readings at either end, when the chart is built.
/// </summary>
internal sealed record HistorySlice
{
    public required long FirstAtMs { get; init; }
    public required long LastAtMs { get; init; }
    public required long Samples { get; init; }
    public long? FirstInBytes { get; init; }
    public long? FirstOutBytes { get; init; }
    public long? LastInBytes { get; init; }
    public long? LastOutBytes { get; init; }
    public Stat Cpu { get; init; }
    public Stat RamUsedMb { get; init; }
    public double? RamTotalMbMax { get; init; }
    public Stat DiskUsedGb { get; init; }
    public double? DiskTotalGbMax { get; init; }
    public Stat Load1 { get; init; }
    public Stat InRate { get; init; }
    public Stat OutRate { get; init; }

    public static HistorySlice Of(MetricSample sample) => new()
    {
        FirstAtMs = sample.AtMs,
        LastAtMs = sample.AtMs,
        Samples = 1,
        FirstInBytes = sample.NetworkInBytes,
        FirstOutBytes = sample.NetworkOutBytes,
        LastInBytes = sample.NetworkInBytes,
        LastOutBytes = sample.NetworkOutBytes,
        Cpu = Stat.Of(sample.CpuPercent),
        RamUsedMb = Stat.Of(sample.RamUsedMb),
        RamTotalMbMax = Stat.Of(sample.RamTotalMb) is { N: > 0 } total ? total.Max : null,
        DiskUsedGb = Stat.Of(sample.DiskUsedGb),
        DiskTotalGbMax = Stat.Of(sample.DiskTotalGb) is { N: > 0 } disk ? disk.Max : null,
        Load1 = Stat.Of(sample.Load1),
    };
}
