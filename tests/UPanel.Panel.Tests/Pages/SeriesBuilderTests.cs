using UPanel.Panel.Pages.Charts;

namespace UPanel.Panel.Tests.Pages;

public sealed class SeriesBuilderTests
{
    private static MetricSample At(long seconds, double cpu = 10, long? netIn = null, long? netOut = null) =>
        new(seconds * 1000, cpu, 1000, 4000, 40, 100, 0.5, netIn, netOut);

    /// <summary>The chart of raw heartbeats, each one slice, as the store hands out those not rolled up yet.</summary>
    private static ChartSeries Build(IEnumerable<MetricSample> samples, long fromSeconds, long toSeconds, int bucketSeconds, int gapSeconds) =>
        SeriesBuilder.Build([.. samples.Select(HistorySlice.Of)], fromSeconds, toSeconds, bucketSeconds, gapSeconds);

    [Fact]
    public void Each_bucket_keeps_min_avg_and_max_of_its_samples()
    {
        var samples = new[] { At(0, cpu: 10), At(60, cpu: 30), At(120, cpu: 50), At(180, cpu: 70) };

        var series = Build(samples, fromSeconds: 0, toSeconds: 240, bucketSeconds: 120, gapSeconds: 180);

        Assert.Equal([0L, 120L], series.Time);
        Assert.Equal([10.0, 50.0], series.Cpu.Min);
        Assert.Equal([20.0, 60.0], series.Cpu.Avg);
        Assert.Equal([30.0, 70.0], series.Cpu.Max);
        Assert.Equal([4000.0, 4000.0], series.RamTotalMb);
    }

    [Fact]
    public void A_bucket_without_a_heartbeat_is_a_gap()
    {
        var samples = new[] { At(0), At(60), At(600), At(660) };

        var series = Build(samples, 0, 720, 120, 180);

        Assert.Equal([10.0, null, null, null, null, 10.0], series.Cpu.Avg);
    }

    [Fact]
    public void Thirty_days_of_minute_samples_become_a_few_hundred_points()
    {
        var range = TimeSpan.FromDays(30);
        var bucket = SeriesBuilder.BucketSeconds(range, heartbeatSeconds: 60);
        var samples = Enumerable.Range(0, 43_200).Select(i => At(i * 60L, cpu: i % 100)).ToList();

        var series = Build(samples, 0, (long)range.TotalSeconds, bucket, 180);

        Assert.Equal(7200, bucket);
        Assert.Equal(360, series.Time.Length);
        Assert.All(series.Cpu.Max, v => Assert.Equal(99.0, v));
        Assert.All(series.Cpu.Min, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Short_ranges_use_buckets_of_two_heartbeat_intervals()
    {
        Assert.Equal(120, SeriesBuilder.BucketSeconds(TimeSpan.FromHours(1), 60));
        Assert.Equal(10, SeriesBuilder.BucketSeconds(TimeSpan.FromHours(1), 5));
        Assert.Equal(240, SeriesBuilder.BucketSeconds(TimeSpan.FromHours(24), 60));
    }

    [Fact]
    public void Network_rate_is_bytes_per_second_between_consecutive_counters()
    {
        var samples = new[] { At(0, netIn: 0, netOut: 0), At(60, netIn: 6000, netOut: 600), At(120, netIn: 18000, netOut: 1200) };

        var series = Build(samples, 0, 180, 180, 180);

        Assert.Equal([100.0], series.NetworkInRate.Min);
        Assert.Equal([200.0], series.NetworkInRate.Max);
        Assert.Equal([150.0], series.NetworkInRate.Avg);
        Assert.Equal([10.0], series.NetworkOutRate.Avg);
    }

    [Fact]
    public void A_counter_reset_gives_no_rate_rather_than_a_negative_spike()
    {
        // The host rebooted (or the agent restarted with fresh counters) between 60 s and 120 s.
        var samples = new[] { At(0, netIn: 1_000_000), At(60, netIn: 1_006_000), At(120, netIn: 500), At(180, netIn: 6500) };

        var series = Build(samples, 0, 240, 60, 180);

        Assert.Equal([null, 100.0, null, 100.0], series.NetworkInRate.Avg);
        Assert.DoesNotContain(series.NetworkInRate.Min, v => v < 0);
    }

    [Fact]
    public void Missed_heartbeats_give_no_rate_across_the_gap()
    {
        var samples = new[] { At(0, netIn: 0), At(60, netIn: 6000), At(600, netIn: 60_000), At(660, netIn: 66_000) };

        var series = Build(samples, 0, 720, 60, 180);

        Assert.Equal(100.0, series.NetworkInRate.Avg[1]);
        Assert.Null(series.NetworkInRate.Avg[10]);
        Assert.Equal(100.0, series.NetworkInRate.Avg[11]);
    }

    [Fact]
    public void The_first_bucket_gets_a_rate_from_the_reading_before_the_range()
    {
        var samples = new[] { At(-60, netIn: 0), At(0, netIn: 3000) };

        var series = Build(samples, 0, 60, 60, 180);

        Assert.Equal([50.0], series.NetworkInRate.Avg);
        Assert.Equal([10.0], series.Cpu.Avg);
    }

    [Fact]
    public void A_reading_before_the_range_gives_the_first_rate_but_is_not_charted_or_counted()
    {
        // 30 s before the range: read for its counter only (it used to land in the first bucket).
        var samples = new[] { At(-30, cpu: 90, netIn: 0), At(0, cpu: 10, netIn: 3000) };

        var series = Build(samples, 0, 60, 60, 180);

        Assert.Equal([100.0], series.NetworkInRate.Avg);
        Assert.Equal([10.0], series.Cpu.Max);
        Assert.Equal(1, series.Samples);
    }
}
