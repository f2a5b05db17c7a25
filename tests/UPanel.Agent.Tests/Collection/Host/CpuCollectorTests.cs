using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class CpuCollectorTests
{
    [Fact]
    public void Percent_is_the_busy_share_between_the_two_captured_samples()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var collector = new CpuCollector(tree.Files); // reads proc/stat as its first sample
        tree.Write("proc/stat", FixtureTree.Read("host-debian12", "proc/stat.next"));

        // busy: user 168 + system 34 + softirq 1 = 203; idle 201; 203 / 404.
        Assert.Equal(50.25, collector.Collect());
    }

    [Fact]
    public void Each_call_measures_from_the_previous_call()
    {
        using var tree = FixtureTree.Copy(null);
        tree.Write("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n");
        var collector = new CpuCollector(tree.Files);

        tree.Write("proc/stat", "cpu  150 0 150 900 0 0 0 0 0 0\ncpu0 150 0 150 900 0 0 0 0 0 0\n");
        Assert.Equal(50, collector.Collect());

        tree.Write("proc/stat", "cpu  150 0 150 1000 0 0 0 0 0 0\ncpu0 150 0 150 1000 0 0 0 0 0 0\n");
        Assert.Equal(0, collector.Collect());

        tree.Write("proc/stat", "cpu  250 0 150 1000 0 0 0 0 0 0\ncpu0 250 0 150 1000 0 0 0 0 0 0\n");
        Assert.Equal(100, collector.Collect());
    }

    [Fact]
    public void Without_a_first_sample_the_first_call_averages_since_boot()
    {
        using var tree = FixtureTree.Copy(null);
        var collector = new CpuCollector(tree.Files); // no proc/stat yet
        tree.Write("proc/stat", "cpu  300 0 100 1600 0 0 0 0 0 0\ncpu0 300 0 100 1600 0 0 0 0 0 0\n");

        Assert.Equal(20, collector.Collect());
    }

    [Fact]
    public void Interval_shorter_than_one_tick_per_cpu_averages_since_boot_and_keeps_the_older_sample()
    {
        var before = new CpuTimes(100, 0, 100, 800, 0, 0, 0, 0);
        var after = new CpuTimes(101, 0, 100, 800, 0, 0, 0, 0);

        var percent = CpuCollector.Percent(before, after, cpuCount: 4, out var keepPrevious);

        Assert.Equal(Math.Round(100.0 * 201 / 1001, 2), percent);
        Assert.True(keepPrevious);
    }

    [Fact]
    public void Iowait_going_backwards_counts_as_zero_not_negative()
    {
        var before = new CpuTimes(100, 0, 100, 800, 500, 0, 0, 0);
        var after = new CpuTimes(200, 0, 100, 900, 450, 0, 0, 0);

        var percent = CpuCollector.Percent(before, after, cpuCount: 1, out _);

        Assert.Equal(50, percent);
    }

    [Fact]
    public void Counters_going_backwards_as_a_whole_give_a_finite_share_and_a_new_baseline()
    {
        var before = new CpuTimes(5000, 0, 5000, 90000, 0, 0, 0, 0);
        var after = new CpuTimes(1000, 0, 1000, 8000, 0, 0, 0, 0);

        var percent = CpuCollector.Percent(before, after, cpuCount: 2, out var keepPrevious);

        Assert.Equal(20, percent);
        Assert.False(keepPrevious);
        Assert.True(double.IsFinite(percent));
    }

    [Fact]
    public void All_zero_counters_give_zero_not_NaN()
    {
        Assert.Equal(0, CpuCollector.Percent(null, default, cpuCount: 0, out _));
        Assert.Equal(0, CpuCollector.Percent(default(CpuTimes), default, cpuCount: 0, out _));
    }

    [Fact]
    public void Huge_counters_stay_within_0_and_100()
    {
        var before = new CpuTimes(0, 0, 0, 0, 0, 0, 0, 0);
        var after = new CpuTimes(ulong.MaxValue / 4, 0, ulong.MaxValue / 4, 0, 0, 0, 0, 0);

        Assert.Equal(100, CpuCollector.Percent(before, after, cpuCount: 1, out _));
    }

    [Fact]
    public void Garbage_sample_throws_and_the_next_good_one_measures_from_the_last_good_one()
    {
        using var tree = FixtureTree.Copy(null);
        tree.Write("proc/stat", "cpu  100 0 100 800\n");
        var collector = new CpuCollector(tree.Files);

        tree.Write("proc/stat", "cpu  garbage\n");
        Assert.Throws<FormatException>(() => collector.Collect());

        tree.Write("proc/stat", "cpu  200 0 200 1000\n");
        Assert.Equal(50, collector.Collect());
    }

    [Fact]
    public void Missing_file_throws_an_io_error()
    {
        using var tree = FixtureTree.Copy(null);
        var collector = new CpuCollector(tree.Files);

        Assert.ThrowsAny<IOException>(() => collector.Collect());
    }
}
