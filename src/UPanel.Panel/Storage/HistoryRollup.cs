using UPanel.Panel.Pages.Charts;

namespace UPanel.Panel.Storage;

/// <summary>
/// How history is kept compact (docs/panel.md, "History"): raw heartbeats for <see cref="RawAge"/>, then one rollup per
/// server and <see cref="Step"/>, aligned to the clock. The 7-day and 30-day charts' buckets are 28 and 120 minutes,
/// multiples of 4, or two heartbeat intervals when longer, and then an interval is over 4 minutes and a rollup holds
/// one sample: those charts are the same from rollups as from raw samples. The 1-hour and 24-hour charts and the disk
/// forecast (6 hours) read raw heartbeats only. Beside the 4-minute rollups, each hour of them is rolled up once more
/// (<see cref="HourStep"/>, docs/decisions/hourly-rollups.md), so a chart whose buckets are whole hours (30 days: 2 hours)
/// reads one row an hour instead of fifteen.
/// </summary>
internal static class HistoryRollup
{
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(4);

    /// <summary>The coarser tier: the 4-minute rollups of each hour as one row, kept with them.</summary>
    public static readonly TimeSpan HourStep = TimeSpan.FromHours(1);

    /// <summary>
    /// Raw heartbeats older than this are rolled up; the admin API's history lists what is younger. A day and an hour:
    /// the 24-hour chart reads from up to a bucket and a gap before its range.
    /// </summary>
    public static readonly TimeSpan RawAge = TimeSpan.FromHours(25);

    public static long StepMs => (long)Step.TotalMilliseconds;

    public static long HourStepMs => (long)HourStep.TotalMilliseconds;

    /// <summary>The start of the rollup <paramref name="atMs"/> falls in.</summary>
    public static long BucketOf(long atMs) => BucketOf(atMs, StepMs);

    /// <summary>The start of the step of <paramref name="stepMs"/> that <paramref name="atMs"/> falls in.</summary>
    public static long BucketOf(long atMs, long stepMs) => Math.DivRem(atMs, stepMs, out var rest) * stepMs - (rest < 0 ? stepMs : 0);

    /// <summary>Rolls <paramref name="samples"/> (one server's, ordered by time) up into one slice per <see cref="Step"/>.</summary>
    public static IReadOnlyList<(long BucketAtMs, HistorySlice Slice)> Roll(IReadOnlyList<MetricSample> samples, int gapSeconds) =>
        Roll([.. samples.Select(HistorySlice.Of)], StepMs, gapSeconds);

    /// <summary>
    /// Rolls <paramref name="slices"/> (one server's samples or rollups, ordered by time, each within one step) up into one
    /// slice per step of <paramref name="stepMs"/>. The network rate between two consecutive slices in the same step is
    /// counted in it, after their own, as the chart counts it; a pair a step boundary separates is left to the chart, from
    /// the slices' first and last readings.
    /// </summary>
    public static IReadOnlyList<(long BucketAtMs, HistorySlice Slice)> Roll(IReadOnlyList<HistorySlice> slices, long stepMs, int gapSeconds)
    {
        var rolled = new List<(long, HistorySlice)>();
        var start = 0;
        while (start < slices.Count)
        {
            var bucket = BucketOf(slices[start].FirstAtMs, stepMs);
            var end = start;
            var slice = slices[start];
            while (++end < slices.Count && BucketOf(slices[end].FirstAtMs, stepMs) == bucket)
            {
                var (before, next) = (slices[end - 1], slices[end]);
                var merged = Merge(slice, next);
                slice = merged with
                {
                    InRate = merged.InRate.Add(SeriesBuilder.Rate(before.LastAtMs, before.LastInBytes, next.FirstAtMs, next.FirstInBytes, gapSeconds)),
                    OutRate = merged.OutRate.Add(SeriesBuilder.Rate(before.LastAtMs, before.LastOutBytes, next.FirstAtMs, next.FirstOutBytes, gapSeconds)),
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
