using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class MemInfoParserTests
{
    [Fact]
    public void Debian12_capture_uses_MemAvailable()
    {
        var info = MemInfoParser.Parse(FixtureTree.Read("host-debian12", "proc/meminfo"));

        Assert.Equal(new MemInfo(24683656, 24220272, AvailableIsEstimate: false), info);
        Assert.Equal(24683656UL - 24220272, info.UsedKb);
    }

    [Fact]
    public void Kernel_without_MemAvailable_estimates_free_plus_buffers_plus_cache()
    {
        var info = MemInfoParser.Parse(FixtureTree.Read("rhel5-kernel-2.6.18", "proc/meminfo"));

        Assert.Equal(2074064UL, info.TotalKb);
        Assert.Equal(105652UL + 252828 + 1271424, info.AvailableKb);
        Assert.True(info.AvailableIsEstimate);
    }

    [Fact]
    public void Estimate_includes_reclaimable_slab_when_the_kernel_has_it()
    {
        var info = MemInfoParser.Parse("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\nSReclaimable: 40 kB\n");

        Assert.Equal(350UL, info.AvailableKb);
        Assert.Equal(650UL, info.UsedKb);
    }

    [Fact]
    public void Estimate_never_exceeds_MemTotal()
    {
        var info = MemInfoParser.Parse("MemTotal: 1000 kB\nMemFree: 900 kB\nCached: 18446744073709551615 kB\n");

        Assert.Equal(1000UL, info.AvailableKb);
        Assert.Equal(0UL, info.UsedKb);
    }

    [Fact]
    public void MemAvailable_above_MemTotal_gives_zero_used_not_negative()
    {
        var info = MemInfoParser.Parse("MemTotal: 1000 kB\nMemAvailable: 1200 kB\n");

        Assert.Equal(0UL, info.UsedKb);
    }

    [Fact]
    public void Debian12_capture_cut_after_MemAvailable_is_still_whole_for_what_we_read()
    {
        var full = FixtureTree.Read("host-debian12", "proc/meminfo");
        var cut = full[..(full.IndexOf("Buffers:", StringComparison.Ordinal) + 4)];

        Assert.Equal(24683656UL - 24220272, MemInfoParser.Parse(cut).UsedKb);
    }

    [Fact]
    public void Lines_without_a_unit_such_as_HugePages_are_skipped()
    {
        var info = MemInfoParser.Parse("HugePages_Total:       0\nMemTotal: 2048 kB\nMemAvailable: 1024 kB\n");

        Assert.Equal(1024UL, info.UsedKb);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("MemFree: 100 kB\nMemAvailable: 50 kB\n")]
    [InlineData("MemTotal: 0 kB\nMemAvailable: 0 kB\n")]
    [InlineData("MemTotal: -5 kB\n")]
    [InlineData("MemTotal: 12.5 kB\n")]
    [InlineData("MemTotal: 1000 MB\n")]
    [InlineData("MemTotal:\n")]
    [InlineData("MemTotal: 99999999999999999999999 kB\n")]
    [InlineData("MemTotal: 1000 kB\nMemAvailable: lots kB\n")]
    [InlineData("MemTotal: 1000 kB\n")]
    [InlineData("MemTotal:       2468")]
    [InlineData("MemTotal: 1000 kB\nMemFree: 900 kB\nMemAvailable:   24")]
    public void Odd_input_is_a_format_error(string text)
    {
        Assert.Throws<FormatException>(() => MemInfoParser.Parse(text));
    }
}
