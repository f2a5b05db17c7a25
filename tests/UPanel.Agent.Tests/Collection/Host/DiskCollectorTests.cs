using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class DiskCollectorTests
{
    [Fact]
    public void Statvfs_of_slash_matches_df()
    {
        var (dfTotal, dfUsed) = DfTool.Read("/");

        var usage = DiskCollector.Read("/");

        Assert.Equal(dfTotal, (long)usage.TotalBytes);
        // Other processes write between the two calls: allow 64 MiB of drift.
        Assert.InRange((long)usage.UsedBytes, dfUsed - (64L << 20), dfUsed + (64L << 20));
    }

    [Fact]
    public void Collector_reports_HOST_ROOT_in_whole_GiB_rounded_down()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var (dfTotal, dfUsed) = DfTool.Read(Path.Join(tree.Root, "root"));

        var (usedGb, totalGb) = new DiskCollector(tree.Files).Collect();

        Assert.Equal(dfTotal >> 30, totalGb);
        Assert.InRange(usedGb, (dfUsed >> 30) - 1, (dfUsed >> 30) + 1);
    }

    [Fact]
    public void Missing_HOST_ROOT_is_an_io_error_naming_the_path_and_errno()
    {
        var error = Assert.Throws<IOException>(() => DiskCollector.Read("/nonexistent/upanel-host-root"));

        Assert.Contains("/nonexistent/upanel-host-root", error.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.HResult);
    }

    [Fact]
    public void Used_is_blocks_minus_free_blocks_times_fragment_size()
    {
        var stat = new StatVfs { BlockSize = 4096, FragmentSize = 1024, Blocks = 1000, FreeBlocks = 250, AvailableBlocks = 200 };

        Assert.Equal(new DiskUsage(1_024_000, 768_000), DiskUsage.From(stat));
    }

    [Fact]
    public void Free_above_total_gives_zero_used_and_overflow_is_a_format_error()
    {
        Assert.Equal(new DiskUsage(4096, 0), DiskUsage.From(new StatVfs { FragmentSize = 4096, Blocks = 1, FreeBlocks = 7 }));
        Assert.Throws<FormatException>(() => DiskUsage.From(new StatVfs { FragmentSize = 4096, Blocks = nuint.MaxValue, FreeBlocks = 0 }));
    }

    [Fact]
    public void Zero_fragment_size_falls_back_to_block_size()
    {
        Assert.Equal(new DiskUsage(8192, 4096), DiskUsage.From(new StatVfs { BlockSize = 4096, Blocks = 2, FreeBlocks = 1 }));
    }
}
