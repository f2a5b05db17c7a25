using System.Text.Json;
using UPanel.Agent.Cli;
using UPanel.Agent.Tests.Configuration;
using UPanel.Agent.Tests.Reporting;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Cli;

public sealed class RegisterCommandTests : IAsyncLifetime
{
    private const string InstallToken = "install-1f2e3d4c5b6a";
    private const string AgentToken = "agent-token-aaaabbbbccccddddeeeeffff0000111122223333444455556666";
    private const string ServerId = "01JDESIGNSERVERID00000000";

    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-register-").FullName;
    private readonly CliRunner _cli = new();
    private TestPanelServer _panel = null!;

    private string EnvFile => Path.Join(_dir, ".env");

    public ValueTask InitializeAsync()
    {
        _panel = new TestPanelServer { Reply = _ => PanelReply.WithStatus(200, RegisterResponseJson(nextHeartbeat: null)) };
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _panel.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Register_posts_the_host_facts_with_the_install_token()
    {
        var result = await RegisterAsync();

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(_panel.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/agent/register", request.Path);
        Assert.Equal($"Bearer {InstallToken}", request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"]);
        var sent = JsonSerializer.Deserialize(request.Body, ContractsJsonContext.Default.RegisterRequest);
        Assert.Equal(CliRunner.SampleFacts, sent);
        Assert.Contains("\"hostname\":\"test-host\"", request.Text);
    }

    [Fact]
    public async Task Register_writes_a_0600_env_file_with_the_four_settings_and_keeps_other_keys()
    {
        File.WriteAllText(EnvFile, "# install.sh\nCOMPOSE_PROJECT_NAME=upanel\nSERVER_ID=old-server\nAGENT_TOKEN=old-token\n");

        var result = await RegisterAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"# install.sh\nCOMPOSE_PROJECT_NAME=upanel\nSERVER_ID={ServerId}\nAGENT_TOKEN={AgentToken}\n" +
            $"PANEL_URL={_panel.BaseUrl.ToString().TrimEnd('/')}\nHEARTBEAT_INTERVAL=60\n",
            File.ReadAllText(EnvFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, EnvFileWriterTests.ModeOf(EnvFile));
        Assert.Equal([EnvFile], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Register_prints_the_server_id_and_never_the_token()
    {
        var result = await RegisterAsync();

        Assert.Equal($"registered: server id {ServerId}", result.Out.Split('\n')[0]);
        Assert.Contains(EnvFile, result.Out);
        Assert.DoesNotContain(AgentToken, result.Out + result.Err);
        Assert.DoesNotContain(InstallToken, result.Out + result.Err);
    }

    /// <remarks>install.sh and scripts/run-local.sh set UPANEL_NO_NEXT_STEP=1: they start the agent themselves.</remarks>
    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("0", true)]
    [InlineData("1", false)]
    [InlineData("yes", false)]
    public async Task Register_says_how_to_start_the_agent_unless_UPANEL_NO_NEXT_STEP_is_set(string? noNextStep, bool said)
    {
        if (noNextStep is not null)
        {
            _cli.Environment["UPANEL_NO_NEXT_STEP"] = noNextStep;
        }

        var result = await RegisterAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [
                $"registered: server id {ServerId}",
                $"wrote PANEL_URL, SERVER_ID, AGENT_TOKEN, HEARTBEAT_INTERVAL to {EnvFile} (mode 0600)",
                .. said ? new[] { $"next: start the agent (docker compose up -d, or upanel-agent run --env-file {EnvFile}); upanel-agent check verifies the setup" } : [],
            ],
            result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task The_written_env_file_is_what_run_then_reads()
    {
        await RegisterAsync();

        var config = new UPanel.Agent.Configuration.ConfigLoader(new Dictionary<string, string>(), UPanel.Agent.Configuration.ConfigFileSystem.Instance)
            .Load(new Dictionary<string, string> { ["ENV_FILE"] = EnvFile });

        Assert.Empty(config.ProblemsFor(UPanel.Agent.Configuration.ConfigNeeds.Panel));
        Assert.Equal(_panel.BaseUrl, config.Options.PanelUrl);
        Assert.Equal(ServerId, config.Options.ServerId);
        Assert.Equal(AgentToken, config.Options.AgentToken);
    }

    [Fact]
    public async Task The_panels_next_heartbeat_seconds_becomes_the_interval_clamped()
    {
        _panel.Reply = _ => PanelReply.WithStatus(200, RegisterResponseJson(nextHeartbeat: 2));

        await RegisterAsync();

        Assert.Contains("HEARTBEAT_INTERVAL=5\n", File.ReadAllText(EnvFile));
    }

    [Fact]
    public async Task The_install_token_may_come_from_the_environment()
    {
        _cli.Environment["INSTALL_TOKEN"] = InstallToken;

        var result = await _cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--env-file", EnvFile);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"Bearer {InstallToken}", Assert.Single(_panel.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task Register_creates_the_env_files_directory()
    {
        var path = Path.Join(_dir, "opt", "upanel-agent", ".env");

        var result = await _cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--install-token", InstallToken, "--env-file", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"SERVER_ID={ServerId}", File.ReadAllText(path));
    }

    [Fact]
    public async Task Without_an_install_token_register_says_where_to_get_one()
    {
        var result = await _cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--env-file", EnvFile);

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains("INSTALL_TOKEN is not set: create one on the panel (`install-token create`)", result.Err);
        Assert.Empty(_panel.Requests);
    }

    [Fact]
    public async Task Without_a_panel_url_register_says_to_pass_one()
    {
        var result = await _cli.RunAsync("register", "--install-token", InstallToken, "--env-file", EnvFile);

        Assert.Equal(ExitCodes.Config, result.ExitCode);
        Assert.Contains("PANEL_URL is not set: pass --panel-url URL", result.Err);
    }

    [Theory]
    [InlineData(401, "the panel rejected the install token (HTTP 401): it is invalid, expired or already used")]
    [InlineData(403, "the panel rejected the install token (HTTP 403)")]
    [InlineData(404, "has no api/agent/register (HTTP 404): set --panel-url to the panel's base URL")]
    [InlineData(500, "failed (HTTP 500: hostname is required (field hostname)): try again later")]
    [InlineData(422, "the panel refused the registration (HTTP 422: hostname is required (field hostname)): fix what it names")]
    public async Task A_failed_register_explains_and_leaves_the_env_file_unchanged(int status, string message)
    {
        const string existing = "PANEL_URL=https://old.example.com\nSERVER_ID=old\nAGENT_TOKEN=old-token\n";
        File.WriteAllText(EnvFile, existing);
        var modeBefore = EnvFileWriterTests.ModeOf(EnvFile);
        _panel.Reply = _ => PanelReply.WithStatus(status, """{"status":"error","error":"hostname is required","field":"hostname"}""");

        var result = await RegisterAsync();

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("upanel-agent: register failed: ", result.Err);
        Assert.Contains(message, result.Err);
        Assert.Equal(existing, File.ReadAllText(EnvFile));
        Assert.Equal(modeBefore, EnvFileWriterTests.ModeOf(EnvFile));
        Assert.Equal([EnvFile], Directory.GetFileSystemEntries(_dir));
        Assert.DoesNotContain(InstallToken, result.Err);
    }

    [Theory]
    [InlineData("<html>login</html>", "text/html")]
    [InlineData("""{"status":"ok"}""", "application/json")]
    [InlineData("""{"status":"ok","server_id":"","agent_token":"x","panel_url":"x"}""", "application/json")]
    public async Task A_success_status_without_a_registration_is_an_error(string body, string contentType)
    {
        _panel.Reply = _ => new PanelReply { Body = body, ContentType = contentType };

        var result = await RegisterAsync();

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("answered HTTP 200 but not with a registration", result.Err);
        Assert.False(File.Exists(EnvFile));
    }

    [Fact]
    public async Task An_env_file_path_that_is_a_directory_stops_register_before_it_asks_the_panel()
    {
        Directory.CreateDirectory(EnvFile);

        var result = await RegisterAsync();

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"env file {EnvFile} is a directory", result.Err);
        Assert.Empty(_panel.Requests);
    }

    [Fact]
    public async Task An_env_file_register_cannot_write_stops_it_before_it_asks_the_panel()
    {
        var blocker = Path.Join(_dir, "a-file");
        File.WriteAllText(blocker, "");
        var envFile = Path.Join(blocker, ".env");

        var result = await _cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--install-token", InstallToken, "--env-file", envFile);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"upanel-agent: register failed: cannot write {envFile} (", result.Err);
        Assert.Contains("nothing was sent to the panel: run register as a user that may write it", result.Err);
        Assert.Empty(_panel.Requests);
        Assert.Equal([blocker], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Directories_register_creates_for_the_env_file_are_0700_at_every_level()
    {
        var envFile = Path.Join(_dir, "opt", "upanel-agent", ".env");

        var result = await _cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--install-token", InstallToken, "--env-file", envFile);

        Assert.Equal(0, result.ExitCode);
        var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(owner, File.GetUnixFileMode(Path.Join(_dir, "opt")));
        Assert.Equal(owner, File.GetUnixFileMode(Path.Join(_dir, "opt", "upanel-agent")));
    }

    [Fact]
    public async Task A_refused_connection_names_panel_url()
    {
        var port = FreePort.Pick();

        var result = await _cli.RunAsync("register", "--panel-url", $"http://127.0.0.1:{port}", "--install-token", InstallToken, "--env-file", EnvFile);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains($"cannot reach the panel at PANEL_URL=http://127.0.0.1:{port}/", result.Err);
        Assert.Contains("check PANEL_URL", result.Err);
        Assert.False(File.Exists(EnvFile));
    }

    [Fact]
    public async Task Register_sends_this_hosts_real_facts_by_default()
    {
        var cli = new CliRunner { ReadHostFacts = new CliEnvironment { Out = TextWriter.Null, Err = TextWriter.Null, Variables = new Dictionary<string, string>() }.ReadHostFacts };
        cli.Environment["HOST_PROC"] = "/proc";
        cli.Environment["HOST_ROOT"] = "/";

        var result = await cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--install-token", InstallToken, "--env-file", EnvFile);

        Assert.Equal(0, result.ExitCode);
        var sent = JsonSerializer.Deserialize(Assert.Single(_panel.Requests).Body, ContractsJsonContext.Default.RegisterRequest)!;
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), sent.Hostname);
        Assert.True(sent.CpuCores > 0);
        Assert.True(sent.RamMb > 0);
        Assert.Equal(AgentInfo.Version, sent.AgentVersion);
    }

    [Fact]
    public async Task A_seed_panels_answer_without_panel_url_and_with_a_jwt_token_is_written_whole()
    {
        var answer = UPanel.Agent.Tests.Wire.WireSamples.SeedPanel("register-200-jwt-no-panel-url.json");
        _panel.Reply = _ => PanelReply.WithStatus(200, answer);
        var jwt = JsonDocument.Parse(answer).RootElement.GetProperty("agent_token").GetString()!;

        var result = await RegisterAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("application/json", Assert.Single(_panel.Requests).Headers["Accept"]);
        var config = new UPanel.Agent.Configuration.ConfigLoader(new Dictionary<string, string>(), UPanel.Agent.Configuration.ConfigFileSystem.Instance)
            .Load(new Dictionary<string, string> { ["ENV_FILE"] = EnvFile });
        Assert.Empty(config.ProblemsFor(UPanel.Agent.Configuration.ConfigNeeds.Panel));
        Assert.Equal(_panel.BaseUrl, config.Options.PanelUrl);
        Assert.Equal("01HQXYZ3NDEKTSV4RRFFQ69G5F", config.Options.ServerId);
        Assert.Equal(jwt, config.Options.AgentToken);
        Assert.DoesNotContain(jwt, result.Out + result.Err);
    }

    [Theory]
    [InlineData(302, "text/html", "<html><title>Redirecting to /login</title></html>", "/login",
        "the panel sent register to its sign-in page (HTTP 302 to /login), so it did not accept the install token")]
    [InlineData(419, "text/html", "<html><head><title>Page Expired</title></head><body>419</body></html>", "",
        "the panel's CSRF check refused the registration (HTTP 419: an HTML page titled \"Page Expired\")")]
    [InlineData(422, "application/json", """{"message":"The hostname field is required.","errors":{"hostname":["The hostname field is required."]}}""", "",
        "the panel refused the registration (HTTP 422: The hostname field is required. (field hostname))")]
    [InlineData(500, "text/html", "<!DOCTYPE html><html><head><title>Server Error</title></head><body><pre>#0 /var/www/vendor/laravel</pre></body></html>", "",
        "failed (HTTP 500: an HTML page titled \"Server Error\")")]
    [InlineData(400, "text/html", "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body></body>\r\n</html>\r\n", "",
        "speaks https on that port, not plain HTTP (HTTP 400: an HTML page titled \"400 The plain HTTP request was sent to HTTPS port\"): use https:// in PANEL_URL")]
    public async Task A_seed_panels_refusal_is_named_in_words_never_as_html(int status, string contentType, string body, string location, string message)
    {
        _panel.Reply = _ => new PanelReply
        {
            Status = status,
            ContentType = contentType,
            Body = body,
            Headers = location.Length > 0 ? [new("Location", location)] : [],
        };

        var result = await RegisterAsync();

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains(message, result.Err);
        Assert.DoesNotContain("<", result.Err);
        Assert.False(File.Exists(EnvFile));
    }

    private Task<CliResult> RegisterAsync() =>
        _cli.RunAsync("register", "--panel-url", _panel.BaseUrl.ToString(), "--install-token", InstallToken, "--env-file", EnvFile);

    private string RegisterResponseJson(int? nextHeartbeat) =>
        JsonSerializer.Serialize(
            new RegisterResponse { ServerId = ServerId, AgentToken = AgentToken, PanelUrl = "https://panel.example.com", NextHeartbeatSeconds = nextHeartbeat },
            ContractsJsonContext.Default.RegisterResponse);
}
