using UPanel.Panel.Pages.Charts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Pages;

/// <summary>
/// The charts a server's page draws are the same whether its history older than <see cref="HistoryRollup.RawAge"/> is
/// kept raw or rolled up, into 4-minute rollups or those rolled up into hours (which a chart of whole-hour buckets, the
/// 30-day one, reads): every point's min and max exactly, its average within 0.001 (sums added in another order,
/// then rounded to 3 decimals), on a month of irregular history (jittered times, missed heartbeats, a missing CPU
/// figure now and then, a counter reset), at several heartbeat intervals.
/// </summary>
public sealed class SeriesFromRollupsTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(30)]
    [InlineData(300)]
    [InlineData(900)]
    [InlineData(3600)]
    public void Every_range_shows_the_same_points_from_rollups_as_from_raw_heartbeats(int interval)
    {
        var samples = MonthOf(interval);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(samples[^1].AtMs + 30_000);
        var cutoff = HistoryRollup.BucketOf((now - HistoryRollup.RawAge).ToUnixTimeMilliseconds());
        var rollups = HistoryRollup.Roll([.. samples.Where(s => s.AtMs < cutoff)], 3 * interval);
        var hours = HistoryRollup.Roll([.. rollups.Select(r => r.Slice)], HistoryRollup.HourStepMs, 3 * interval);
        var raw = samples.Where(s => s.AtMs >= cutoff).ToList();
        Assert.True(rollups.Count > 500, $"{rollups.Count} rollups");
        Assert.True(hours.Count > 500 && hours.Count <= rollups.Count, $"{hours.Count} hours, {rollups.Count} rollups");

        foreach (var span in new[] { TimeSpan.FromHours(24), TimeSpan.FromDays(7), TimeSpan.FromDays(30) })
        {
            var window = SeriesWindow.For(span, now, interval);
            var (from, to) = (window.ReadFrom.ToUnixTimeMilliseconds(), window.ReadTo.ToUnixTimeMilliseconds());
            // What the store reads (SqlPanelStore.GetHistoryAsync): each rollup that may hold a sample of the range,
            // and the raw heartbeats in it.
            var fromRaw = window.Build([.. samples.Where(s => s.AtMs >= from && s.AtMs < to).Select(HistorySlice.Of)]);
            ChartSeries FromTier(IEnumerable<(long BucketAtMs, HistorySlice Slice)> tier, long stepMs) => window.Build([..
                tier.Where(r => r.BucketAtMs > from - stepMs && r.BucketAtMs < to).Select(r => r.Slice)
                    .Concat(raw.Where(s => s.AtMs >= from && s.AtMs < to).Select(HistorySlice.Of))
                    .OrderBy(s => s.FirstAtMs)]);

            var what = $"{span.TotalHours} h at {interval} s";
            Assert.True(fromRaw.Cpu.Avg.Count(v => v is not null) >= Math.Min(40, fromRaw.Time.Length / 2), what);
            AssertSame(fromRaw, FromTier(rollups, HistoryRollup.StepMs), what + ", 4-minute rollups");
            // Whole hours whatever the interval for 30 days (2 hours), for every range at an interval of an hour.
            var hourly = window.Bucket.Ticks % HistoryRollup.HourStep.Ticks == 0;
            Assert.True(hourly || span != TimeSpan.FromDays(30), what);
            if (hourly)
            {
                AssertSame(fromRaw, FromTier(hours, HistoryRollup.HourStepMs), what + ", hourly rollups");
            }
        }
    }

    private static void AssertSame(ChartSeries fromRaw, ChartSeries fromRollups, string what)
    {
        Assert.Equal(fromRaw.Time, fromRollups.Time);
        Assert.Equal(fromRaw.Samples, fromRollups.Samples);
        Assert.Equal(fromRaw.RamTotalMb, fromRollups.RamTotalMb);
        Assert.Equal(fromRaw.DiskTotalGb, fromRollups.DiskTotalGb);
        foreach (var (name, a, b) in new[]
        {
            ("cpu", fromRaw.Cpu, fromRollups.Cpu), ("ram", fromRaw.RamUsedMb, fromRollups.RamUsedMb),
            ("disk", fromRaw.DiskUsedGb, fromRollups.DiskUsedGb), ("load", fromRaw.Load1, fromRollups.Load1),
            ("in", fromRaw.NetworkInRate, fromRollups.NetworkInRate), ("out", fromRaw.NetworkOutRate, fromRollups.NetworkOutRate),
        })
        {
            Assert.True(a.Min.SequenceEqual(b.Min), $"{name} min, {what}");
            Assert.True(a.Max.SequenceEqual(b.Max), $"{name} max, {what}");
            for (var i = 0; i < a.Avg.Length; i++)
            {
                Assert.True(a.Avg[i] is null ? b.Avg[i] is null : b.Avg[i] is { } avg && Math.Abs(avg - a.Avg[i]!.Value) <= 0.0011,
                    $"{name} avg at point {i}, {what}: {a.Avg[i]} from raw, {b.Avg[i]} from rollups");
            }
        }
    }

    /// <summary>31 days of one server's heartbeats at <paramref name="interval"/>, irregular as real ones are.</summary>
    private static List<MetricSample> MonthOf(int interval)
    {
        var random = new Random(interval);
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 7, TimeSpan.Zero).ToUnixTimeMilliseconds() + 123;
        var count = (int)(TimeSpan.FromDays(31).TotalSeconds / interval);
        var samples = new List<MetricSample>(count);
        long netIn = 1_000_000, netOut = 50_000;
        for (var i = 0; i < count; i++)
        {
            if (i % 2000 is >= 100 and < 106)
            {
                continue; // the agent was down: six heartbeats missed
            }

            netIn += random.Next(0, 5_000_000);
            netOut += random.Next(0, 100_000);
            if (i == count / 3)
            {
                (netIn, netOut) = (1000, 1000); // the host rebooted
            }

            var jitter = random.Next(-interval * 100, interval * 100); // up to a tenth of the interval, in ms
            samples.Add(new MetricSample(
                start + i * interval * 1000L + jitter,
                i % 997 == 0 ? null : Math.Round(random.NextDouble() * 100, 2),
                random.Next(1000, 3000),
                i < count / 2 ? 4096 : 8192,
                40 + i / 5000,
                100,
                Math.Round(random.NextDouble() * 4, 2),
                netIn,
                netOut));
        }

        return samples;
    }
}
