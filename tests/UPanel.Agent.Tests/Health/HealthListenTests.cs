using System.Net;
using UPanel.Agent.Configuration;
using UPanel.Agent.Health;

namespace UPanel.Agent.Tests.Health;

public sealed class HealthListenTests
{
    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("[::]", "::")]
    [InlineData("[::1]", "::1")]
    public void Listen_address_becomes_an_endpoint_without_dns(string host, string address)
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), 8443), HealthListen.ToEndPoint(new HealthListenAddress(host, 8443)));
    }

    [Theory]
    [InlineData("0.0.0.0:8443")]
    [InlineData("[::]:9000")]
    [InlineData("127.0.0.1:18443")]
    public void Configured_values_convert(string value)
    {
        Assert.True(HealthListenAddress.TryParse(value, out var address));

        var endpoint = HealthListen.ToEndPoint(address!);

        Assert.Equal(value, endpoint.ToString());
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("::", "127.0.0.1")]
    [InlineData("127.0.0.2", "127.0.0.2")]
    [InlineData("::1", "::1")]
    public void Probe_targets_loopback_for_a_wildcard_listener(string listen, string target)
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse(target), 8443), HealthListen.ProbeTarget(new IPEndPoint(IPAddress.Parse(listen), 8443)));
    }
}
