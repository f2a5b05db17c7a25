using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class NetworkCollectorTests
{
    [Fact]
    public void Debian12_counts_eth0_and_not_lo_or_ifb()
    {
        using var tree = FixtureTree.Copy("host-debian12");

        var (received, transmitted) = new NetworkCollector(tree.Files).Collect();

        Assert.Equal((403606701L, 483252L), (received, transmitted));
    }

    [Fact]
    public void Docker_host_leaves_out_docker0_bridges_and_veths()
    {
        using var tree = FixtureTree.Copy("docker-host-written");
        var collector = new NetworkCollector(tree.Files);

        var counters = collector.Collect();

        Assert.Equal((48217711093L + 2048, 9182736455L + 1024), counters);
        Assert.False(collector.GuessedFromNames);
    }

    [Fact]
    public void Container_without_host_mounts_sums_nothing_to_zero()
    {
        using var tree = FixtureTree.Copy("container-busybox");

        Assert.Equal((0L, 0L), new NetworkCollector(tree.Files).Collect());
    }

    [Fact]
    public void Without_sysfs_virtual_interfaces_are_recognised_by_name()
    {
        using var tree = FixtureTree.Copy("rhel5-kernel-2.6.18");
        var collector = new NetworkCollector(tree.Files);

        var counters = collector.Collect();

        // eth0 + eth1 + sit0 (zero); lo left out.
        Assert.Equal((1170953347L + 98120, 197328478L + 23430), counters);
        Assert.True(collector.GuessedFromNames);
    }

    [Fact]
    public void Host_proc_with_the_containers_own_sysfs_judges_unknown_interfaces_by_name()
    {
        // HOST_PROC mounted, HOST_SYS not: the container's /sys only knows its own lo.
        using var tree = FixtureTree.Copy("docker-host-written");
        tree.Delete("sys");
        foreach (var file in Directory.EnumerateFiles(FixtureTree.SourceOf("container-busybox"), "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(FixtureTree.SourceOf("container-busybox"), file);
            if (relative.StartsWith("sys", StringComparison.Ordinal))
            {
                tree.Write(relative, File.ReadAllText(file));
            }
        }

        var collector = new NetworkCollector(tree.Files);
        var counters = collector.Collect();

        Assert.Equal((48217711093L + 2048, 9182736455L + 1024), counters);
        Assert.True(collector.GuessedFromNames);
    }

    [Fact]
    public void Guess_turns_into_a_sysfs_answer_once_the_interface_is_known_there()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var header = "Inter-|   Receive |  Transmit\n face |bytes|bytes\n";
        tree.Write("proc/1/net/dev", header + "  eth0: 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n  wg0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n");
        var collector = new NetworkCollector(tree.Files);
        Assert.Equal((11L, 22L), collector.Collect());
        Assert.True(collector.GuessedFromNames);

        tree.Write("proc/1/net/dev", header + "  eth0: 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n");
        collector.Collect();
        tree.Write("sys/devices/virtual/net/wg0/.keep", "");
        tree.Write("sys/class/net/wg0/.keep", "");
        tree.Write("proc/1/net/dev", header + "  eth0: 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n  wg0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n");

        Assert.Equal((10L, 20L), collector.Collect());
        Assert.False(collector.GuessedFromNames);
    }

    [Fact]
    public void Vanished_interface_name_reused_by_a_virtual_device_is_asked_again()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var collector = new NetworkCollector(tree.Files);
        var header = "Inter-|   Receive |  Transmit\n face |bytes|bytes\n";
        tree.Write("proc/1/net/dev", header + "  eth0: 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n  eth1: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n");
        Assert.Equal((11L, 22L), collector.Collect());

        tree.Write("proc/1/net/dev", header + "  eth0: 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n");
        Assert.Equal((10L, 20L), collector.Collect());

        tree.Write("sys/devices/virtual/net/eth1/.keep", "");
        tree.Write("sys/class/net/eth1/.keep", "");
        tree.Write("proc/1/net/dev", header + "  eth0: 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n  eth1: 5 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0\n");
        Assert.Equal((10L, 20L), collector.Collect());
    }

    [Fact]
    public void Sum_beyond_64_bits_is_a_format_error_not_a_wrapped_number()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Write("proc/1/net/dev", "Inter-|\n face |\n  eth0: 18446744073709551615 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n  eth1: 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n");

        Assert.Throws<FormatException>(() => new NetworkCollector(tree.Files).Collect());
    }

    [Fact]
    public void Counter_above_the_signed_range_is_a_format_error_not_negative()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Write("proc/1/net/dev", "Inter-|\n face |\n  eth0: 9223372036854775808 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n");

        Assert.Throws<FormatException>(() => new NetworkCollector(tree.Files).Collect());
    }
}
