using UPanel.Panel.Pages.Charts;

namespace UPanel.Panel.Storage;

/// <summary>
/// How history is kept compact (docs/panel.md, "History"): raw heartbeats for <see cref="RawAge"/>, then one rollup per
/// server and <see cref="Step"/>, aligned to the clock. The 7-day and 30-day charts' buckets are 28 and 120 minutes,
/// multiples of 4, or two heartbeat intervals when longer, and then an interval is over 4 minutes and a rollup holds
/// one sample: those charts are the same from rollups as from raw samples. The 1-hour and 24-hour charts and the disk
/// forecast (6 hours) read raw heartbeats only.
/// </summary>
internal static class HistoryRollup
{
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(4);

    /// <summary>
    /// Raw heartbeats older than this are rolled up; the admin API's history lists what is younger. A day and an hour:
    /// the 24-hour chart reads from up to a bucket and a gap before its range.
    /// </summary>
    public static readonly TimeSpan RawAge = TimeSpan.FromHours(25);

    public static long StepMs => (long)Step.TotalMilliseconds;

    /// <summary>The start of the rollup <paramref name="atMs"/> falls in.</summary>
    public static long BucketOf(long atMs) => Math.DivRem(atMs, StepMs, out var rest) * StepMs - (rest < 0 ? StepMs : 0);

    /// <summary>
    /// Rolls <paramref name="samples"/> (one server's, ordered by time) up into one slice per step. The network rate of
    /// two consecutive samples in the same step is counted in it, as the chart counts it; a pair a step boundary
    /// separates is left to the chart, from the slices' first and last readings.
    /// </summary>
    public static IReadOnlyList<(long BucketAtMs, HistorySlice Slice)> Roll(IReadOnlyList<MetricSample> samples, int gapSeconds)
    {
        var rolled = new List<(long, HistorySlice)>();
        var start = 0;
        while (start < samples.Count)
        {
            var bucket = BucketOf(samples[start].AtMs);
            var end = start;
            var slice = HistorySlice.Of(samples[start]);
            while (++end < samples.Count && BucketOf(samples[end].AtMs) == bucket)
            {
                var before = samples[end - 1];
                var sample = samples[end];
                slice = Merge(slice, HistorySlice.Of(sample)) with
                {
                    InRate = slice.InRate.Add(SeriesBuilder.Rate(before.AtMs, before.NetworkInBytes, sample.AtMs, sample.NetworkInBytes, gapSeconds)),
                    OutRate = slice.OutRate.Add(SeriesBuilder.Rate(before.AtMs, before.NetworkOutBytes, sample.AtMs, sample.NetworkOutBytes, gapSeconds)),
                };
            }

            rolled.Add((bucket, slice));
            start = end;
        }

        return rolled;
    }

    /// <summary>
    /// Two slices of one step as one: what a heartbeat that arrives after its step was rolled up (a day late) adds. The
    /// rates between its sample and its neighbours in the step are not recovered; every other figure is exact.
    /// </summary>
    public static HistorySlice Merge(HistorySlice a, HistorySlice b)
    {
        var (first, last) = (a.FirstAtMs <= b.FirstAtMs ? a : b, a.LastAtMs >= b.LastAtMs ? a : b);
        return new HistorySlice
        {
            FirstAtMs = first.FirstAtMs,
            FirstInBytes = first.FirstInBytes,
            FirstOutBytes = first.FirstOutBytes,
            LastAtMs = last.LastAtMs,
            LastInBytes = last.LastInBytes,
            LastOutBytes = last.LastOutBytes,
            Samples = a.Samples + b.Samples,
            Cpu = a.Cpu.Merge(b.Cpu),
            RamUsedMb = a.RamUsedMb.Merge(b.RamUsedMb),
            RamTotalMbMax = Max(a.RamTotalMbMax, b.RamTotalMbMax),
            DiskUsedGb = a.DiskUsedGb.Merge(b.DiskUsedGb),
            DiskTotalGbMax = Max(a.DiskTotalGbMax, b.DiskTotalGbMax),
            Load1 = a.Load1.Merge(b.Load1),
            InRate = a.InRate.Merge(b.InRate),
            OutRate = a.OutRate.Merge(b.OutRate),
        };
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
