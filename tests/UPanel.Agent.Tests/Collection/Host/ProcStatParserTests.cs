using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class ProcStatParserTests
{
    [Fact]
    public void Debian12_capture_gives_the_aggregate_line_and_two_cpus()
    {
        var stat = ProcStatParser.Parse(FixtureTree.Read("host-debian12", "proc/stat"));

        Assert.Equal(new CpuTimes(46884, 0, 6518, 84464, 662, 0, 285, 59), stat.AllCpus);
        Assert.Equal(2, stat.CpuCount);
        Assert.Equal(46884UL + 6518 + 285 + 59, stat.AllCpus.Busy);
        Assert.Equal(46884UL + 6518 + 285 + 59 + 84464 + 662, stat.AllCpus.Total);
    }

    [Fact]
    public void Kernel_2_6_18_line_with_eight_columns_parses_with_steal()
    {
        var stat = ProcStatParser.Parse(FixtureTree.Read("rhel5-kernel-2.6.18", "proc/stat"));

        Assert.Equal(new CpuTimes(2255, 34, 2290, 22625563, 6290, 127, 456, 0), stat.AllCpus);
        Assert.Equal(2, stat.CpuCount);
    }

    [Fact]
    public void Linux_2_4_line_with_four_columns_leaves_the_later_columns_zero()
    {
        var stat = ProcStatParser.Parse("cpu  1000 20 300 8000\ncpu0 1000 20 300 8000\npage 1 2\n");

        Assert.Equal(new CpuTimes(1000, 20, 300, 8000, 0, 0, 0, 0), stat.AllCpus);
        Assert.Equal(1, stat.CpuCount);
    }

    [Fact]
    public void Guest_columns_are_not_counted_twice()
    {
        // guest (9th) and guest_nice (10th) are already part of user and nice.
        var stat = ProcStatParser.Parse("cpu  100 10 50 800 5 1 2 3 40 4\n");

        Assert.Equal(171UL - 5, stat.AllCpus.Busy);
        Assert.Equal(971UL, stat.AllCpus.Total);
    }

    [Fact]
    public void Container_view_shows_the_hosts_cpus()
    {
        var stat = ProcStatParser.Parse(FixtureTree.Read("container-busybox", "proc/stat"));

        Assert.Equal(2, stat.CpuCount);
        Assert.Equal(48109UL, stat.AllCpus.User);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("garbage\x01\x02 line\nmore garbage")]
    [InlineData("cpu0 1 2 3 4\n")]
    [InlineData("cpu  1 2 3\n")]
    [InlineData("cpu  1 2 x 4 5 6 7\n")]
    [InlineData("cpu  1 2 -3 4 5 6 7\n")]
    [InlineData("cpu  99999999999999999999999 0 0 1\n")]
    [InlineData("cpu  18446744073709551615 18446744073709551615 0 1\n")]
    public void Odd_input_is_a_format_error(string text)
    {
        Assert.Throws<FormatException>(() => ProcStatParser.Parse(text));
    }

    [Fact]
    public void Truncated_file_keeps_the_cpus_it_has()
    {
        var full = FixtureTree.Read("host-debian12", "proc/stat");
        var truncated = full[..full.IndexOf("cpu1", StringComparison.Ordinal)];

        var stat = ProcStatParser.Parse(truncated);

        Assert.Equal(46884UL, stat.AllCpus.User);
        Assert.Equal(1, stat.CpuCount);
    }

    [Fact]
    public void File_cut_inside_the_aggregate_line_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => ProcStatParser.Parse("cpu  46884 0"));
    }
}
