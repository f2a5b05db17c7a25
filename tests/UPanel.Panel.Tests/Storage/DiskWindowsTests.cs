using UPanel.Panel.Alerts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Alerts;

namespace UPanel.Panel.Tests.Storage;

/// <summary>The disk forecast's windows kept in memory (SQLite): what is kept, added, dropped and summed.</summary>
public sealed class DiskWindowsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);
    private static readonly TimeSpan Window = TimeSpan.FromHours(6);

    private static DiskWindows.Sample At(TimeSpan ago, long used, long total) => new((Now - ago).ToUnixTimeMilliseconds(), used, total);

    [Fact]
    public void A_window_is_summed_only_once_read_and_only_from_where_it_was_read()
    {
        var windows = new DiskWindows();
        Assert.False(windows.TryTrend("s", Now - Window, Now, out _));
        windows.Stored("s", (Now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), 40, 100); // not kept yet: not added
        Assert.True(windows.Wants("s"));

        windows.Seed("s", Now - Window, [At(TimeSpan.FromHours(2), 42, 100), At(TimeSpan.FromHours(5), 40, 100)]);
        windows.Stored("s", (Now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), 44, 100);
        windows.Stored("s", (Now - TimeSpan.FromHours(3)).ToUnixTimeMilliseconds(), 41, 100); // late, in its place
        windows.Stored("s", (Now - TimeSpan.FromHours(7)).ToUnixTimeMilliseconds(), 30, 100); // before the window read: not kept
        windows.Stored("s", (Now - TimeSpan.FromMinutes(30)).ToUnixTimeMilliseconds(), null, 100); // the query's filter
        windows.Stored("s", (Now - TimeSpan.FromMinutes(20)).ToUnixTimeMilliseconds(), 45, 0);

        Assert.True(windows.TryTrend("s", Now - Window, Now, out var trend));
        var expected = DiskSample.Trend(
            [new(Now - TimeSpan.FromHours(5), 40, 100), new(Now - TimeSpan.FromHours(3), 41, 100), new(Now - TimeSpan.FromHours(2), 42, 100), new(Now - TimeSpan.FromHours(1), 44, 100)],
            Window,
            Now);
        Assert.Equal(4, trend.Count);
        Assert.Equal(expected.First, trend.First);
        Assert.Equal(expected.Last, trend.Last);
        Assert.Equal(expected.SumX, trend.SumX, tolerance: 1e-9);
        Assert.Equal(167, trend.SumY);
        Assert.Equal(expected.SumXX, trend.SumXX, tolerance: 1e-9);
        Assert.Equal(expected.SumXY, trend.SumXY, tolerance: 1e-9);

        // Moved on, the oldest are dropped; an earlier start than that is not covered any more.
        Assert.True(windows.TryTrend("s", Now - TimeSpan.FromHours(4), Now, out trend));
        Assert.Equal(3, trend.Count);
        Assert.False(windows.TryTrend("s", Now - Window, Now, out _));
    }

    [Fact]
    public void Samples_from_the_window_end_on_wait_outside_the_sums_until_the_window_reaches_them()
    {
        var windows = new DiskWindows();
        windows.Seed("s", Now - Window, [At(TimeSpan.FromHours(1), 40, 100), At(-TimeSpan.FromMinutes(30), 50, 200)]);
        Assert.True(windows.TryTrend("s", Now - Window, Now, out var trend));
        Assert.Equal((1L, 40d, 100d), (trend.Count, trend.SumY, trend.LatestTotalGb));
        Assert.True(windows.TryTrend("s", Now - Window + TimeSpan.FromHours(1), Now + TimeSpan.FromHours(1), out trend));
        Assert.Equal((2L, 90d, 200d), (trend.Count, trend.SumY, trend.LatestTotalGb));
        Assert.True(windows.TryTrend("s", Now + TimeSpan.FromHours(2), Now + TimeSpan.FromHours(3), out trend));
        Assert.Equal(default, trend);
    }

    [Fact]
    public void A_window_past_its_bound_is_summed_by_the_database_and_forgetting_drops_every_window()
    {
        var windows = new DiskWindows();
        var start = (Now - Window).ToUnixTimeMilliseconds();
        windows.Seed("big", Now - Window, [.. Enumerable.Range(0, DiskWindows.MaxSamplesPerServer).Select(i => new DiskWindows.Sample(start + i, 40, 100))]);
        Assert.True(windows.Keeps("big"));
        windows.Stored("big", Now.ToUnixTimeMilliseconds() - 1, 40, 100);
        Assert.False(windows.Keeps("big"));
        Assert.False(windows.Wants("big"));
        Assert.False(windows.TryTrend("big", Now - Window, Now, out _));

        windows.Seed("small", Now - Window, [At(TimeSpan.FromHours(1), 40, 100)]);
        windows.Forget();
        Assert.False(windows.Keeps("small"));
        Assert.True(windows.Wants("small"));
        Assert.True(windows.Wants("big"));
    }

    [Fact]
    public void Past_the_total_bound_a_window_read_is_not_kept_and_the_windows_kept_stay()
    {
        var windows = new DiskWindows(maxSamples: 3);
        windows.Seed("a", Now - Window, [At(TimeSpan.FromHours(2), 40, 100), At(TimeSpan.FromHours(1), 41, 100)]);
        windows.Seed("b", Now - Window, [At(TimeSpan.FromHours(2), 50, 100), At(TimeSpan.FromHours(1), 51, 100)]);

        // b would take the total to 4: summed by the database (not wanted again), a kept with its samples.
        Assert.False(windows.Keeps("b"));
        Assert.False(windows.Wants("b"));
        Assert.True(windows.TryTrend("a", Now - Window, Now, out var trend));
        Assert.Equal((2L, 81d), (trend.Count, trend.SumY));

        // a's next heartbeat fills the bound; the one after it would pass it: a is summed by the database from then on.
        windows.Stored("a", (Now - TimeSpan.FromMinutes(30)).ToUnixTimeMilliseconds(), 42, 100);
        Assert.True(windows.TryTrend("a", Now - Window, Now, out trend));
        Assert.Equal((3L, 123d), (trend.Count, trend.SumY));
        windows.Stored("a", (Now - TimeSpan.FromMinutes(20)).ToUnixTimeMilliseconds(), 43, 100);
        Assert.False(windows.Keeps("a"));

        // Forgetting frees the bound: both are read again.
        windows.Forget();
        Assert.True(windows.Wants("a"));
        Assert.True(windows.Wants("b"));
        windows.Seed("b", Now - Window, [At(TimeSpan.FromHours(2), 50, 100), At(TimeSpan.FromHours(1), 51, 100)]);
        Assert.True(windows.Keeps("b"));
    }
}
