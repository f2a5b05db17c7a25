using UPanel.Agent.Cli;
using UPanel.Agent.Configuration;
using UPanel.Agent.Tests.Configuration;

namespace UPanel.Agent.Tests.Cli;

public sealed class CommandLineTests
{
    private readonly CliRunner _cli = new() { Files = new FakeConfigFileSystem() };

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("register", "--help")]
    public async Task Help_lists_every_command_flag_and_setting_with_its_default(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "run", "collect", "register", "check", "health", "version", "help" })
        {
            Assert.Contains($"\n  {command}", result.Out);
        }

        foreach (var flag in new[]
                 {
                     "--panel-url", "--server-id", "--heartbeat-interval", "--host-proc", "--host-sys", "--host-root", "--docker-host",
                     "--health-listen", "--state-dir", "--env-file", "--agent-token-file", "--install-token", "--verbose",
                 })
        {
            Assert.Contains(flag, result.Out);
        }

        foreach (var setting in Settings.Agent.Append(Settings.InstallToken))
        {
            Assert.Contains($"  {setting.Name}", result.Out);
        }

        Assert.Contains(
            "\n  UPANEL_NO_NEXT_STEP\n      register only: set (to anything but empty or 0) to leave out the line saying how to start the agent, " +
            "for scripts that start it themselves\n      default: unset; not read from the env file\n",
            result.Out);

        foreach (var defaultValue in new[] { "60", "/host/proc", "/host/sys", "/host/root", "unix:///var/run/docker.sock", "0.0.0.0:8443", "/var/lib/upanel-agent", "/opt/upanel-agent/.env", "Information" })
        {
            Assert.Contains("default: " + defaultValue, result.Out);
        }

        Assert.Contains("There is no --agent-token flag: a token on the command line is visible to every user in `ps`", result.Out);
        Assert.Contains("INSTALL_TOKEN=... upanel-agent register", result.Out);
    }

    [Fact]
    public async Task Version_prints_the_agent_version()
    {
        var result = await _cli.RunAsync("version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(AgentInfo.Version + Environment.NewLine, result.Out);
    }

    [Theory]
    [InlineData("unknown flag --bogus for `run`", "--bogus")]
    [InlineData("unknown flag --bogus for `collect`", "collect", "--bogus=1")]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("flag --install-token does not apply to `run`", "run", "--install-token", "x")]
    [InlineData("flag --panel-url does not apply to `health`", "health", "--panel-url", "https://p.example.com")]
    [InlineData("flag --verbose does not apply to `check`", "check", "--verbose")]
    [InlineData("flag --panel-url does not apply to `version`", "version", "--panel-url=x")]
    [InlineData("--panel-url needs a value (URL)", "run", "--panel-url")]
    [InlineData("--panel-url needs a value (URL), not an empty string", "run", "--panel-url=")]
    [InlineData("unexpected argument #2 for `run`", "run", "stray")]
    [InlineData("--verbose takes no value", "health", "--verbose=yes")]
    public async Task Usage_errors_exit_2_with_the_error_and_a_hint(string error, params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith($"upanel-agent: {error}", result.ErrLines[0]);
        Assert.Equal("Run `upanel-agent --help` for the commands, flags and settings.", result.ErrLines[1]);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task An_agent_token_flag_is_refused_without_echoing_the_token()
    {
        var result = await _cli.RunAsync("run", "--agent-token=super-secret-value");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("there is no --agent-token flag: a token on the command line is visible to every user in `ps`", result.Err);
        Assert.DoesNotContain("super-secret-value", result.Err);
    }

    [Fact]
    public async Task A_stray_argument_is_not_echoed()
    {
        var result = await _cli.RunAsync("register", "--panel-url", "https://p.example.com", "secret-install-token");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.DoesNotContain("secret-install-token", result.Err);
    }

    [Fact]
    public async Task Run_without_configuration_exits_78_with_one_line_per_problem()
    {
        var result = await _cli.RunAsync("run");

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Equal(
            [
                "upanel-agent: PANEL_URL is not set: run `INSTALL_TOKEN=<token> upanel-agent register --panel-url URL` or set PANEL_URL in /opt/upanel-agent/.env",
                "upanel-agent: SERVER_ID is not set: run `INSTALL_TOKEN=<token> upanel-agent register --panel-url URL` or set SERVER_ID in /opt/upanel-agent/.env",
                "upanel-agent: AGENT_TOKEN is not set: run `INSTALL_TOKEN=<token> upanel-agent register --panel-url URL`, set AGENT_TOKEN in /opt/upanel-agent/.env, or point AGENT_TOKEN_FILE at a file holding it",
            ],
            result.ErrLines);
    }

    [Fact]
    public async Task Run_is_the_default_command()
    {
        _cli.Environment["HEARTBEAT_INTERVAL"] = "1";

        var result = await _cli.RunAsync("--server-id", "s1");

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains("HEARTBEAT_INTERVAL '1' from the environment is not a whole number of seconds from 5 to 3600", result.Err);
        Assert.DoesNotContain("SERVER_ID is not set", result.Err);
    }

    [Fact]
    public async Task Flags_take_both_spellings_and_the_last_one_wins()
    {
        var result = await _cli.RunAsync("run", "--heartbeat-interval=2", "--heartbeat-interval", "3");

        Assert.Contains("HEARTBEAT_INTERVAL '3' from --heartbeat-interval", result.Err);
    }
}
