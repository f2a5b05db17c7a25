using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Configuration;
using UPanel.Agent.Health;
using UPanel.Agent.Reporting;
using UPanel.Agent.Tests.Reporting;

namespace UPanel.Agent.Tests.Health;

public sealed class HealthProbeTests
{
    [Fact]
    public async Task Probe_is_true_against_a_running_health_server()
    {
        await using var server = new HealthServer(new IPEndPoint(IPAddress.Loopback, 0), new AgentStatus(new FakeTimeProvider()), new FakeLogger());
        server.Start();

        Assert.True(await HealthProbe.ProbeAsync(server.LocalEndPoint!, cancellationToken: TestContext.Current.CancellationToken));
        Assert.True(await HealthProbe.ProbeAsync(new HealthListenAddress("127.0.0.1", server.LocalEndPoint!.Port), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Probe_is_false_when_nothing_listens()
    {
        int port;
        using (var reserve = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            reserve.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)reserve.LocalEndPoint!).Port;
        }

        Assert.False(await HealthProbe.ProbeAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(500, "")]
    [InlineData(404, "")]
    [InlineData(200, "{\"status\":\"degraded\",\"uptime_seconds\":1,\"version\":\"1\"}")]
    [InlineData(200, "garbage")]
    public async Task Probe_is_false_unless_the_answer_is_200_ok(int status, string body)
    {
        await using var other = new TestPanelServer { Reply = _ => PanelReply.WithStatus(status, body) };

        Assert.False(await HealthProbe.ProbeAsync(new IPEndPoint(IPAddress.Loopback, other.Port), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Probe_gives_up_after_its_timeout()
    {
        await using var hanging = new TestPanelServer { Reply = _ => PanelReply.Hanging() };
        var time = new FakeTimeProvider();
        var clock = new TimerRecordingTimeProvider(time);

        var probing = HealthProbe.ProbeAsync(new IPEndPoint(IPAddress.Loopback, hanging.Port), TimeSpan.FromMilliseconds(300), clock, TestContext.Current.CancellationToken);
        await hanging.WaitForRequestsAsync(1);

        // The timeout runs on the probe's clock: moved here, it shows the probe gives up at the bound, not before.
        Assert.Equal(TimeSpan.FromMilliseconds(300), clock.DueTimes[0]);
        time.Advance(TimeSpan.FromMilliseconds(300) - TimeSpan.FromTicks(1));
        Assert.False(probing.IsCompleted, "gave up before the timeout");
        time.Advance(TimeSpan.FromTicks(1));

        Assert.False(await probing.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal("/health", Assert.Single(hanging.Requests).Path);
    }

    [Fact]
    public async Task Probe_is_false_when_the_endpoint_is_off()
    {
        Assert.False(await HealthProbe.ProbeAsync((HealthListenAddress?)null, cancellationToken: TestContext.Current.CancellationToken));
    }
}
