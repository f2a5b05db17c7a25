using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Health;
using UPanel.Agent.Reporting;
using UPanel.Agent.Tests.Configuration;

namespace UPanel.Agent.Tests.Cli;

public sealed class HealthCommandTests
{
    private readonly CliRunner _cli = new() { Files = new FakeConfigFileSystem() };

    [Fact]
    public async Task Health_exits_1_quietly_when_nothing_answers()
    {
        var result = await _cli.RunAsync("health", "--health-listen", $"127.0.0.1:{FreePort.Pick()}");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Out + result.Err);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("[::]")] // the server binds dual-stack, so the probe asks IPv4 loopback, and says so
    public async Task Health_verbose_says_why_it_is_unhealthy_and_names_what_it_asked(string host)
    {
        var port = FreePort.Pick();

        var result = await _cli.RunAsync("health", "--verbose", "--health-listen", $"{host}:{port}");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"unhealthy: no ok answer from http://127.0.0.1:{port}/health within 3 s", result.Out);
    }

    [Fact]
    public async Task Health_verbose_says_whether_the_panel_has_accepted_a_heartbeat_yet()
    {
        // What the install script waits for: "last heartbeat accepted" once the panel took one.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero));
        var status = new AgentStatus(time);
        await using var server = new HealthServer(new IPEndPoint(IPAddress.Loopback, 0), status, new FakeLogger());
        server.Start();
        var listen = $"127.0.0.1:{server.LocalEndPoint!.Port}";

        var before = await _cli.RunAsync("health", "--verbose", "--health-listen", listen);
        status.SetPanel(PanelState.Unauthorized);
        var refused = await _cli.RunAsync("health", "--verbose", "--health-listen", listen);
        status.RecordSuccess(time.GetUtcNow());
        var after = await _cli.RunAsync("health", "--verbose", "--health-listen", listen);

        Assert.Equal((0, $"healthy: http://{listen}/health answered ok; no heartbeat accepted yet (panel: unknown)\n"), (before.ExitCode, before.Out));
        Assert.Equal((0, $"healthy: http://{listen}/health answered ok; no heartbeat accepted yet (panel: unauthorized)\n"), (refused.ExitCode, refused.Out));
        Assert.Equal((0, $"healthy: http://{listen}/health answered ok; last heartbeat accepted at 2026-01-15 10:30:00Z (panel: ok)\n"), (after.ExitCode, after.Out));
    }

    [Theory]
    [InlineData("off", "")]
    [InlineData("nonsense", "upanel-agent: HEALTH_LISTEN 'nonsense' from --health-listen is not host:port or off")]
    public async Task Health_exits_1_not_78_when_there_is_nothing_to_probe(string listen, string error)
    {
        var result = await _cli.RunAsync("health", "--health-listen", listen);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(error, result.Err);
    }

    [Fact]
    public async Task Health_ignores_settings_it_does_not_use()
    {
        _cli.Environment["HOST_PROC"] = "relative";
        _cli.Environment["PANEL_URL"] = "nonsense";

        var result = await _cli.RunAsync("health", "--health-listen", $"127.0.0.1:{FreePort.Pick()}");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Err);
    }
}
