using Microsoft.Extensions.Logging.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

/// <summary>The collectors on this machine's real /proc, /sys and / against the tools a user would check with.</summary>
public sealed class LiveHostTests
{
    private static readonly HostFiles Machine = new("/proc", "/sys", "/");

    [Fact]
    public void Ram_matches_free_m()
    {
        var metrics = new HostMetricsCollector(Machine, new FakeLogger()).Collect();
        var free = ToolOutput.Run("free", "-m").Split('\n').Single(l => l.StartsWith("Mem:", StringComparison.Ordinal));
        var columns = free.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (total, used) = (long.Parse(columns[1]), long.Parse(columns[2]));

        Assert.Equal(total, metrics.RamTotalMb);
        Assert.InRange(metrics.RamUsedMb!.Value, used - (total / 100), used + (total / 100));
    }

    [Fact]
    public void Disk_matches_df_of_slash_in_whole_GiB()
    {
        var metrics = new HostMetricsCollector(Machine, new FakeLogger()).Collect();
        var (dfTotal, dfUsed) = DfTool.Read("/");

        Assert.Equal(dfTotal >> 30, metrics.DiskTotalGb);
        Assert.InRange(metrics.DiskUsedGb!.Value, (dfUsed >> 30) - 1, (dfUsed >> 30) + 1);
    }

    [Fact]
    public void Network_matches_the_statistics_of_physical_interfaces_in_sysfs()
    {
        // Independent source: /sys/class/net/NAME/statistics of every interface whose device is not virtual.
        long SumPhysical(string counter)
        {
            long sum = 0;
            foreach (var link in Directory.EnumerateDirectories("/sys/class/net"))
            {
                var target = new DirectoryInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link;
                if (!target.Contains("/devices/virtual/", StringComparison.Ordinal))
                {
                    sum += long.Parse(File.ReadAllText(Path.Join(link, "statistics", counter)));
                }
            }

            return sum;
        }

        var rxBefore = SumPhysical("rx_bytes");
        var txBefore = SumPhysical("tx_bytes");
        var metrics = new HostMetricsCollector(Machine, new FakeLogger()).Collect();
        var rxAfter = SumPhysical("rx_bytes");
        var txAfter = SumPhysical("tx_bytes");

        Assert.InRange(metrics.NetworkInBytes!.Value, rxBefore, rxAfter);
        Assert.InRange(metrics.NetworkOutBytes!.Value, txBefore, txAfter);
    }

    [Fact]
    public void Every_field_is_present_and_in_range_on_this_machine()
    {
        var collector = new HostMetricsCollector(Machine, new FakeLogger());

        var metrics = collector.Collect();

        Assert.InRange(metrics.CpuPercent!.Value, 0, 100);
        Assert.Equal(3, metrics.LoadAverage!.Count);
        Assert.All(metrics.LoadAverage, value => Assert.True(double.IsFinite(value) && value >= 0));
        Assert.InRange(metrics.RamUsedMb!.Value, 1, metrics.RamTotalMb!.Value);
        Assert.InRange(metrics.DiskUsedGb!.Value, 0, metrics.DiskTotalGb!.Value);
        Assert.Equal(int.Parse(ToolOutput.Run("getconf", "_NPROCESSORS_ONLN").Trim()), new HostFactsReader(Machine).Read().CpuCores);
    }
}
