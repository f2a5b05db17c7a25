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
