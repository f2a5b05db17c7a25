using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class NetDevParserTests
{
    [Fact]
    public void Debian12_capture_lists_every_interface_in_file_order()
    {
        var interfaces = NetDevParser.Parse(FixtureTree.Read("host-debian12", "proc/1/net/dev"));

        Assert.Equal(
            [
                new NetDevInterface("lo", 67933, 67933),
                new NetDevInterface("ifb0", 0, 0),
                new NetDevInterface("ifb1", 0, 0),
                new NetDevInterface("eth0", 403606701, 483252),
            ],
            interfaces);
    }

    [Fact]
    public void Container_without_network_sees_only_lo()
    {
        var interfaces = NetDevParser.Parse(FixtureTree.Read("container-busybox", "proc/1/net/dev"));

        Assert.Equal([new NetDevInterface("lo", 0, 0)], interfaces);
    }

    [Fact]
    public void Old_kernel_counter_glued_to_the_colon_is_read()
    {
        var interfaces = NetDevParser.Parse(FixtureTree.Read("rhel5-kernel-2.6.18", "proc/1/net/dev"));

        Assert.Equal(new NetDevInterface("eth0", 1170953347, 197328478), interfaces[1]);
        Assert.Equal(4, interfaces.Count);
    }

    [Fact]
    public void Long_names_and_full_64_bit_counters_are_read()
    {
        var text = "Inter-|   Receive |  Transmit\n face |bytes    packets|bytes\n" +
            "br-5f0c9d2a1b7e: 18446744073709551615 1 0 0 0 0 0 0 18446744073709551614 1 0 0 0 0 0 0\n";

        var nic = Assert.Single(NetDevParser.Parse(text));

        Assert.Equal(new NetDevInterface("br-5f0c9d2a1b7e", ulong.MaxValue, ulong.MaxValue - 1), nic);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Inter-|   Receive |  Transmit\n face |bytes|bytes\n  eth0: 1 2 3\n")]
    [InlineData("Inter-|   Receive |  Transmit\n face |bytes|bytes\n  eth0 1 2 3 4 5 6 7 8 9 10\n")]
    [InlineData("Inter-|   Receive |  Transmit\n face |bytes|bytes\n  : 1 2 3 4 5 6 7 8 9 10\n")]
    [InlineData("Inter-|   Receive |  Transmit\n face |bytes|bytes\n  eth0: 1 2 3 4 5 6 7 8 -9 10\n")]
    [InlineData("Inter-|   Receive |  Transmit\n face |bytes|bytes\n  eth0: 99999999999999999999999 2 3 4 5 6 7 8 9 10\n")]
    public void Odd_input_is_a_format_error(string text)
    {
        Assert.Throws<FormatException>(() => NetDevParser.Parse(text));
    }

    [Fact]
    public void Headers_only_means_no_interfaces()
    {
        Assert.Empty(NetDevParser.Parse("Inter-|   Receive |  Transmit\n face |bytes|bytes\n"));
    }
}
