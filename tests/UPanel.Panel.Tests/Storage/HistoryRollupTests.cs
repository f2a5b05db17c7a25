using UPanel.Panel.Pages.Charts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

public sealed class HistoryRollupTests
{
    private static MetricSample At(long seconds, double? cpu, long ram, long? netIn, double load = 0.5) =>
        new(seconds * 1000, cpu, ram, 4000, 40, 100, load, netIn, netIn is null ? null : netIn / 10);

    [Fact]
    public void A_step_keeps_count_min_max_and_sum_of_each_metric_and_the_rates_inside_it()
    {
        // Two steps of 4 minutes from 2,400 s; the third sample has no CPU figure (skipped, as the chart skips it).
        var samples = new[]
        {
            At(2400, 10, 1000, 0), At(2460, 30, 1200, 6000), At(2520, null, 1100, 18000), At(2580, 50, 1300, 18000),
            At(2640, 5, 900, 24000),
        };

        var rolled = HistoryRollup.Roll(samples, gapSeconds: 180);

        Assert.Equal([2_400_000L, 2_640_000L], rolled.Select(r => r.BucketAtMs));
        var first = rolled[0].Slice;
        Assert.Equal(4, first.Samples);
        Assert.Equal(new Stat(3, 10, 50, 90), first.Cpu);
        Assert.Equal(new Stat(4, 1000, 1300, 4600), first.RamUsedMb);
        Assert.Equal(new Stat(4, 0.5, 0.5, 2), first.Load1);
        Assert.Equal(4000, first.RamTotalMbMax);
        Assert.Equal(100, first.DiskTotalGbMax);
        // 6000/60, 12000/60, 0/60 bytes per second; the pair across the step boundary (2580 → 2640) is the chart's.
        Assert.Equal(new Stat(3, 0, 200, 300), first.InRate);
        Assert.Equal(new Stat(3, 0, 20, 30), first.OutRate);
        Assert.Equal((2_400_000L, 2_580_000L, 0L, 18000L), (first.FirstAtMs, first.LastAtMs, first.FirstInBytes!.Value, first.LastInBytes!.Value));
        var second = rolled[1].Slice;
        Assert.Equal(1, second.Samples);
        Assert.Equal(new Stat(1, 5, 5, 5), second.Cpu);
        Assert.Equal(0, second.InRate.N);
    }

    [Fact]
    public void A_rate_across_a_counter_reset_or_a_gap_is_not_counted()
    {
        var samples = new[] { At(0, 1, 1, 100_000), At(60, 1, 1, 500), At(239, 1, 1, 2000) };

        var slice = HistoryRollup.Roll(samples, gapSeconds: 120).Single().Slice;

        Assert.Equal(0, slice.InRate.N);
    }

    [Fact]
    public void A_late_heartbeat_merges_into_its_step()
    {
        var stored = HistoryRollup.Roll([At(0, 10, 1000, 0), At(120, 20, 1000, 1200)], 180).Single().Slice;
        var late = HistoryRollup.Roll([At(60, 90, 2000, 600)], 180).Single().Slice;

        var merged = HistoryRollup.Merge(stored, late);

        Assert.Equal(3, merged.Samples);
        Assert.Equal(new Stat(3, 10, 90, 120), merged.Cpu);
        Assert.Equal(new Stat(3, 1000, 2000, 4000), merged.RamUsedMb);
        Assert.Equal((0L, 120_000L, 0L, 1200L), (merged.FirstAtMs, merged.LastAtMs, merged.FirstInBytes!.Value, merged.LastInBytes!.Value));
        Assert.Equal(new Stat(1, 10, 10, 10), merged.InRate);
    }

    [Fact]
    public void An_hour_rolls_up_its_steps_with_the_rates_between_them_and_not_across_hours()
    {
        // Steps at 3,120 s and 3,360 s (hour 0) and 3,600 s (hour 1); the counter falls inside hour 1's step.
        var steps = HistoryRollup.Roll(
            [At(3120, 10, 1000, 0), At(3180, 20, 1200, 600), At(3360, 30, 1100, 4200), At(3600, 40, 900, 3000), At(3660, 50, 800, 60)],
            gapSeconds: 180);
        Assert.Equal([3_120_000L, 3_360_000L, 3_600_000L], steps.Select(s => s.BucketAtMs));

        var hours = HistoryRollup.Roll([.. steps.Select(s => s.Slice)], HistoryRollup.HourStepMs, gapSeconds: 180);

        Assert.Equal([0L, 3_600_000L], hours.Select(h => h.BucketAtMs));
        var first = hours[0].Slice;
        Assert.Equal(3, first.Samples);
        Assert.Equal(new Stat(3, 10, 30, 60), first.Cpu);
        Assert.Equal(new Stat(3, 1000, 1200, 3300), first.RamUsedMb);
        // 600/60 inside the first step, then 3,600/180 between the hour's two steps; 3,360 → 3,600 crosses into hour 1.
        Assert.Equal(new Stat(2, 10, 20, 30), first.InRate);
        Assert.Equal((3_120_000L, 3_360_000L, 0L, 4200L), (first.FirstAtMs, first.LastAtMs, first.FirstInBytes!.Value, first.LastInBytes!.Value));
        var second = hours[1].Slice;
        Assert.Equal(new Stat(2, 40, 50, 90), second.Cpu);
        Assert.Equal(0, second.InRate.N);
        Assert.Equal((3_600_000L, 3_660_000L, 3000L, 60L), (second.FirstAtMs, second.LastAtMs, second.FirstInBytes!.Value, second.LastInBytes!.Value));
    }

    [Fact]
    public void Steps_are_aligned_to_the_clock_before_1970_too()
    {
        Assert.Equal(0, HistoryRollup.BucketOf(239_999));
        Assert.Equal(240_000, HistoryRollup.BucketOf(240_000));
        Assert.Equal(-240_000, HistoryRollup.BucketOf(-1));
    }
}
