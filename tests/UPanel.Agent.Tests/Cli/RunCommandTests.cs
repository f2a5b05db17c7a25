using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using UPanel.Agent.Cli;
using UPanel.Agent.Configuration;
using UPanel.Agent.Tests.Configuration;
using UPanel.Agent.Tests.Reporting;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Cli;

public sealed class RunCommandTests : IAsyncLifetime
{
    private const string Token = "configured-token-0123456789abcdef";

    private readonly string _stateDir = Directory.CreateTempSubdirectory("upanel-run-").FullName;
    private readonly CliRunner _cli = new() { Files = new FakeConfigFileSystem() };
    private TestPanelServer _panel = null!;

    public ValueTask InitializeAsync()
    {
        _panel = new TestPanelServer { Reply = _ => PanelReply.WithStatus(200, """{"status":"ok","next_heartbeat_seconds":60}""") };
        _cli.Environment["PANEL_URL"] = _panel.BaseUrl.ToString();
        _cli.Environment["SERVER_ID"] = "01JRUNTEST";
        _cli.Environment["AGENT_TOKEN"] = Token;
        _cli.Environment["STATE_DIR"] = _stateDir;
        _cli.Environment["HOST_PROC"] = "/proc";
        _cli.Environment["HOST_SYS"] = "/sys";
        _cli.Environment["HOST_ROOT"] = "/";
        _cli.Environment["HEALTH_LISTEN"] = "off";
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _panel.DisposeAsync();
        Directory.Delete(_stateDir, recursive: true);
    }

    [Fact]
    public async Task Run_sends_heartbeats_with_the_token_serves_health_and_exits_0_when_stopped()
    {
        var port = FreePort.Pick();
        _cli.Environment["HEALTH_LISTEN"] = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = _cli.RunAsync(stop.Token, "run");
        await Poll.UntilAsync(() => _panel.Requests.Count > 0, "the agent's first request", TimeSpan.FromSeconds(30));
        var health = await new CliRunner { Files = new FakeConfigFileSystem() }.RunAsync("health", "--verbose", "--health-listen", $"127.0.0.1:{port}");
        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0, health.ExitCode);
        Assert.StartsWith($"healthy: http://127.0.0.1:{port}/health answered ok", health.Out);
        var request = _panel.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/agent/heartbeat", request.Path);
        Assert.Equal($"Bearer {Token}", request.Headers["Authorization"]);
        var heartbeat = JsonSerializer.Deserialize(request.Body, ContractsJsonContext.Default.Heartbeat)!;
        Assert.Equal("01JRUNTEST", heartbeat.ServerId);
        Assert.True(heartbeat.Metrics.RamTotalMb > 0);
        Assert.Contains("upanel-agent 1.0.0 starting: PANEL_URL=", result.Err);
        Assert.Contains("Stopping on signal", result.Err);
        Assert.DoesNotContain(Token, result.Err + result.Out);
    }

    [Fact]
    public async Task A_rotated_token_is_kept_in_the_state_dir_and_used_after_a_restart()
    {
        _panel.Reply = _ => PanelReply.WithStatus(200, """{"status":"ok","new_agent_token":"rotated-token-fedcba9876543210"}""");
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            var first = _cli.RunAsync(stop.Token, "run");
            await Poll.UntilAsync(() => File.Exists(Path.Join(_stateDir, RotatedTokenStore.FileName)), "the rotated token's file", TimeSpan.FromSeconds(30));
            await stop.CancelAsync();
            Assert.Equal(0, (await first).ExitCode);
        }

        _panel.Reply = _ => PanelReply.WithStatus(200, """{"status":"ok"}""");
        _panel.ClearRequests();

        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            var second = _cli.RunAsync(stop.Token, "run");
            await Poll.UntilAsync(() => _panel.Requests.Count > 0, "the agent's first request", TimeSpan.FromSeconds(30));
            await stop.CancelAsync();
            var result = await second;

            var request = _panel.Requests[0];
            Assert.Equal("Bearer rotated-token-fedcba9876543210", request.Headers["Authorization"]);
            Assert.DoesNotContain("rotated-token-fedcba9876543210", result.Err);
        }
    }

    [Theory]
    [InlineData("evil\\ntoken=x")]
    [InlineData("evil token")]
    [InlineData("caf\u00e9-token-0123456789")]
    [InlineData("x")]
    public async Task A_rotated_token_that_is_not_a_token_is_neither_used_nor_stored(string hostile)
    {
        // x repeated past the bound: the same check as a configured token (visible ASCII, at most 4096 characters).
        var rotation = hostile == "x" ? new string('x', 4097) : hostile;
        _panel.Reply = _ => PanelReply.WithStatus(200, $$"""{"status":"ok","new_agent_token":"{{rotation}}"}""");
        _cli.Environment["HEARTBEAT_INTERVAL"] = "5";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = _cli.RunAsync(stop.Token, "run");
        await Poll.UntilAsync(() => _panel.Requests.Count >= 2, "two requests", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var result = await run;

        Assert.All(_panel.Requests.Take(2), r => Assert.Equal($"Bearer {Token}", r.Headers["Authorization"]));
        Assert.False(File.Exists(Path.Join(_stateDir, RotatedTokenStore.FileName)));
        Assert.Contains("not a token", result.Err);
    }

    [Fact]
    public async Task A_rotated_token_that_cannot_be_saved_stays_in_use_through_a_401_and_the_log_names_STATE_DIR()
    {
        const string Rotated = "rotated-token-fedcba9876543210";
        var blocker = Path.Join(_stateDir, "a-file");
        File.WriteAllText(blocker, "");
        var stateDir = Path.Join(blocker, "state");
        _cli.Environment["STATE_DIR"] = stateDir;
        _cli.Environment["HEARTBEAT_INTERVAL"] = "5";
        var seen = 0;
        _panel.Reply = r => ++seen switch
        {
            // 1: hands out the rotation; 2: one refusal (a proxy, a panel hiccup); then only the rotated token works.
            1 => PanelReply.Ok(newAgentToken: Rotated),
            2 => PanelReply.WithStatus(401),
            _ => r.Authorization == $"Bearer {Rotated}" ? PanelReply.Ok() : PanelReply.WithStatus(401),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = _cli.RunAsync(stop.Token, "run");
        await Poll.UntilAsync(() => _panel.Requests.Count >= 4, "four requests", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var result = await run;

        // After the refusal the configured token gets its turn (refused here), then the rotated one again: never dropped.
        var sent = _panel.Requests.Take(4).Select(r => r.Headers["Authorization"]).ToArray();
        Assert.Equal([$"Bearer {Token}", $"Bearer {Rotated}", $"Bearer {Token}", $"Bearer {Rotated}"], sent);
        Assert.Contains($"Cannot save the rotated agent token to {Path.Join(stateDir, RotatedTokenStore.FileName)} (", result.Err);
        Assert.Contains($"Fix: make STATE_DIR ({stateDir}) writable", result.Err);
        Assert.DoesNotContain(Rotated, result.Err);
        Assert.DoesNotContain(Token, result.Err);
    }

    [Fact]
    public async Task A_second_rotation_before_the_agent_used_the_first_is_recovered_through_the_configured_token()
    {
        const string First = "rotated-token-first-0123456789", Second = "rotated-token-second-9876543210";
        _cli.Environment["HEARTBEAT_INTERVAL"] = "5";
        var handedOutFirst = 0;
        // The panel's view: the configured token stays valid until a new one is used; the admin rotated again right
        // after the first new token went out, so that one is superseded before the agent ever used it.
        _panel.Reply = r => r.Authorization switch
        {
            $"Bearer {Token}" => PanelReply.Ok(newAgentToken: ++handedOutFirst == 1 ? First : Second),
            $"Bearer {Second}" => PanelReply.Ok(),
            _ => PanelReply.WithStatus(401),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = _cli.RunAsync(stop.Token, "run");
        await Poll.UntilAsync(() => _panel.Requests.Count >= 4, "four requests", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var result = await run;

        var sent = _panel.Requests.Take(4).Select(r => r.Headers["Authorization"]).ToArray();
        Assert.Equal([$"Bearer {Token}", $"Bearer {First}", $"Bearer {Token}", $"Bearer {Second}"], sent);
        Assert.Equal(Second, new RotatedTokenStore(_stateDir).Resolve(Token));
        Assert.DoesNotContain(First, result.Err);
        Assert.DoesNotContain(Second, result.Err);
    }

    [Fact]
    public async Task After_a_401_run_rereads_the_env_file_and_uses_a_token_written_there_since()
    {
        var envFile = Path.Join(_stateDir, "agent.env");
        File.WriteAllText(envFile, "AGENT_TOKEN=old-token-0123456789\n");
        var cli = new CliRunner();
        foreach (var (key, value) in _cli.Environment.Where(e => e.Key != "AGENT_TOKEN"))
        {
            cli.Environment[key] = value;
        }

        cli.Environment["HEARTBEAT_INTERVAL"] = "5";
        _panel.Reply = r => r.Authorization == "Bearer new-token-9876543210" ? PanelReply.Ok() : PanelReply.WithStatus(401);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = cli.RunAsync(stop.Token, "run", "--env-file", envFile);
        await Poll.UntilAsync(() => _panel.Requests.Count > 0, "the agent's first request", TimeSpan.FromSeconds(30));
        EnvFileWriter.Update(envFile, [new("AGENT_TOKEN", "new-token-9876543210")]);
        await Poll.UntilAsync(() => _panel.Requests.Any(r => r.Headers["Authorization"] == "Bearer new-token-9876543210"), "a request with the rotated token", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Bearer old-token-0123456789", _panel.Requests.First().Headers["Authorization"]);
        Assert.DoesNotContain("token-0123456789", result.Err);
        Assert.DoesNotContain("token-9876543210", result.Err);
    }

    [Fact]
    public async Task Run_exits_1_naming_HEALTH_LISTEN_when_its_address_is_taken()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        _cli.Environment["HEALTH_LISTEN"] = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

        var result = await _cli.RunAsync("run");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains($"upanel-agent: HEALTH_LISTEN=127.0.0.1:{port} cannot be bound (AddressAlreadyInUse): ", result.Err);
        Assert.Empty(_panel.Requests);
    }
}
