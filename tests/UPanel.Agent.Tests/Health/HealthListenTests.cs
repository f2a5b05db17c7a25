using System.Net;
using UPanel.Agent.Health;

namespace UPanel.Agent.Tests.Health;

public sealed class HealthListenTests
{
    [Theory]
    [InlineData("0.0.0.0:8443", "0.0.0.0", 8443)]
    [InlineData("127.0.0.1:9000", "127.0.0.1", 9000)]
    [InlineData("localhost:8443", "127.0.0.1", 8443)]
    [InlineData("[::]:8443", "::", 8443)]
    [InlineData("[::1]:8443", "::1", 8443)]
    [InlineData(":8443", "0.0.0.0", 8443)]
    [InlineData("*:8443", "0.0.0.0", 8443)]
    [InlineData(" 10.0.0.5:80 ", "10.0.0.5", 80)]
    public void Host_and_port_are_parsed(string value, string address, int port)
    {
        Assert.True(HealthListen.TryParse(value, out var endpoint, out var error), error);

        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("OFF")]
    public void Off_disables_the_endpoint(string value)
    {
        Assert.True(HealthListen.TryParse(value, out var endpoint, out _));

        Assert.Null(endpoint);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("8443", "no port")]
    [InlineData("0.0.0.0:", "no port")]
    [InlineData("0.0.0.0:http", "invalid port")]
    [InlineData("0.0.0.0:70000", "invalid port")]
    [InlineData("0.0.0.0:-1", "invalid port")]
    [InlineData("example.com:8443", "invalid host")]
    [InlineData("::1:8443", "invalid host")]
    public void Bad_values_name_the_setting_and_the_fix(string value, string problem)
    {
        Assert.False(HealthListen.TryParse(value, out _, out var error));

        Assert.StartsWith("HEALTH_LISTEN", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.Contains("off", error, StringComparison.Ordinal);
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
