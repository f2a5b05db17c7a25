using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Cli;
using UPanel.Agent.Tests.Configuration;
using UPanel.Agent.Tests.Http;

using UPanel.Agent.Tests.Reporting;

namespace UPanel.Agent.Tests.Cli;

public sealed class CheckCommandTests : IDisposable
{
    private readonly CliRunner _cli = new() { Files = new FakeConfigFileSystem() };
    private readonly string _stateDir = Directory.CreateTempSubdirectory("upanel-check-state-").FullName;

    public CheckCommandTests() => _cli.Environment["STATE_DIR"] = _stateDir;

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    [Fact]
    public async Task Check_prints_one_line_per_problem_with_its_fix_and_exits_1()
    {
        // In a container (as deployed), where a missing Docker socket is a mount forgotten.
        var files = new FakeConfigFileSystem();
        files.Files["/.dockerenv"] = "";
        var cli = new CliRunner { Files = files };
        var empty = Directory.CreateTempSubdirectory("upanel-check-").FullName;
        try
        {
            cli.Environment["HOST_PROC"] = empty;
            cli.Environment["HOST_SYS"] = empty;
            cli.Environment["HOST_ROOT"] = Path.Join(empty, "missing");
            cli.Environment["DOCKER_HOST"] = $"unix://{empty}/docker.sock";
            cli.Environment["AGENT_TOKEN"] = "secret-agent-token";

            // A file where the state dir's parent should be: nothing can be created under it, not even by root.
            File.WriteAllText(Path.Join(empty, "not-a-dir"), "");
            cli.Environment["STATE_DIR"] = $"{empty}/not-a-dir/state";

            var result = await cli.RunAsync("check");

            Assert.Equal(ExitCodes.Failure, result.ExitCode);
            var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string[] expected =
                [
                    "FAIL  config: PANEL_URL is not set",
                    "FAIL  config: SERVER_ID is not set",
                    $"FAIL  host mounts: HOST_PROC={empty}: {empty}/stat cannot be read",
                    $"FAIL  host mounts: HOST_PROC={empty}: {empty}/1/net/dev cannot be read",
                    $"FAIL  host mounts: HOST_SYS={empty}: {empty}/devices/virtual/net does not exist",
                    $"FAIL  host mounts: HOST_ROOT={empty}/missing: statvfs",
                    $"FAIL  state dir: STATE_DIR={empty}/not-a-dir/state cannot be written (a file is in the way (not a directory): {empty}/not-a-dir/state): ",
                    "FAIL  panel: not checked",
                    $"FAIL  docker: DOCKER_HOST=unix://{empty}/docker.sock: socket missing: {empty}/docker.sock does not exist",
                ];
            Assert.Equal(expected.Length, lines.Length);
            Assert.All(expected.Zip(lines), pair => Assert.StartsWith(pair.First, pair.Second));
            Assert.All(lines.Where(l => l.StartsWith("FAIL  host", StringComparison.Ordinal)), l => Assert.Contains("mount the host's", l));
            Assert.DoesNotContain("secret-agent-token", result.Out + result.Err);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Check_does_not_probe_the_defaults_in_place_of_refused_settings()
    {
        // Each refused value leaves its default in the options, and the defaults would pass here (this host's /proc and /,
        // /var/lib/upanel-agent, created if missing, the Docker socket if it answers): an "ok" for what the user did not set.
        _cli.Environment["HOST_PROC"] = "proc";
        _cli.Environment["HOST_ROOT"] = "host-root";
        _cli.Environment["STATE_DIR"] = "state";
        _cli.Environment["DOCKER_HOST"] = "docker.sock";
        _cli.Environment["PANEL_URL"] = "http://127.0.0.1:9/";
        _cli.Environment["SERVER_ID"] = "01JCHECK";
        _cli.Environment["AGENT_TOKEN"] = "check-token-0123456789";

        var result = await _cli.RunAsync("check");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "FAIL  config: HOST_PROC",
                "FAIL  config: HOST_ROOT",
                "FAIL  config: STATE_DIR",
                "FAIL  config: DOCKER_HOST",
                "FAIL  host mounts: not checked: fix HOST_PROC and HOST_ROOT above first",
                "FAIL  state dir: not checked: fix STATE_DIR above first",
                "FAIL  panel: not checked: fix the config problems above first",
                "FAIL  docker: not checked: fix DOCKER_HOST above first",
            ],
            lines.Select(l => l.StartsWith("FAIL  config: ", StringComparison.Ordinal) ? l[..l.IndexOf(' ', "FAIL  config: ".Length)] : l));
    }

    [Fact]
    public async Task Check_says_ok_for_real_host_mounts_and_a_running_docker_engine()
    {
        RequiredServices.Docker();
        _cli.Environment["HOST_PROC"] = "/proc";
        _cli.Environment["HOST_SYS"] = "/sys";
        _cli.Environment["HOST_ROOT"] = "/";
        _cli.Environment["DOCKER_HOST"] = "unix://" + RequiredServices.DockerSocket;

        var result = await _cli.RunAsync("check");

        Assert.Contains("ok    host mounts: HOST_PROC=/proc HOST_SYS=/sys HOST_ROOT=/\n", result.Out);
        var docker = result.Out.Split('\n').Single(l => l.Contains(" docker: ", StringComparison.Ordinal));
        Assert.StartsWith("ok    docker: DOCKER_HOST=unix:///var/run/docker.sock answers (Engine API 1.", docker);
        Assert.Contains("ok    state dir: STATE_DIR=", result.Out);
    }

    [Theory]
    [InlineData(0, "0 containers")]
    [InlineData(1, "1 container")]
    [InlineData(20, "20 containers")]
    public void The_docker_line_counts_containers_in_words(int count, string expected) =>
        Assert.Equal(expected, CheckCommand.Containers(count));

    [Fact]
    public async Task Check_warns_about_default_host_roots_inside_a_container()
    {
        var files = new FakeConfigFileSystem();
        files.Files["/.dockerenv"] = "";
        var cli = new CliRunner { Files = files };
        cli.Environment["DOCKER_HOST"] = "unix:///nonexistent/docker.sock";
        cli.Environment["STATE_DIR"] = _stateDir;

        var result = await cli.RunAsync("check");

        Assert.Contains("warn  host mounts: HOST_PROC=/proc inside a container: unless it shares the host's pid and network namespaces, network counters are the container's", result.Out);
        Assert.Contains("mount the host's /proc (-v /proc:/host/proc:ro)", result.Out);
        Assert.Contains("warn  host mounts: HOST_ROOT=/ inside a container: disk usage is the container's overlay", result.Out);
        Assert.DoesNotContain("FAIL  host mounts", result.Out);
        Assert.DoesNotContain("ok    host mounts", result.Out);
        Assert.Contains("FAIL  docker: DOCKER_HOST=unix:///nonexistent/docker.sock: socket missing: /nonexistent/docker.sock does not exist (mount the Docker socket", result.Out);
    }

    [Fact]
    public async Task Check_on_a_host_without_docker_warns_instead_of_failing()
    {
        // Not in a container (no /.dockerenv): the agent runs on the host itself, and this host has no Docker socket.
        var cli = new CliRunner { Files = new FakeConfigFileSystem() };
        cli.Environment["DOCKER_HOST"] = "unix:///nonexistent/docker.sock";
        cli.Environment["STATE_DIR"] = _stateDir;

        var result = await cli.RunAsync("check");

        var docker = Assert.Single(result.Out.Split('\n'), l => l.Contains(" docker: ", StringComparison.Ordinal));
        Assert.Equal(
            "warn  docker: DOCKER_HOST=unix:///nonexistent/docker.sock: no such socket on this host: without Docker here that is expected " +
            "(heartbeats carry containers: null); if Docker or Podman runs here, set DOCKER_HOST to its socket",
            docker);
    }

    [Theory]
    [InlineData(200, "ok    panel: {0}api/agent/heartbeat accepted a heartbeat (HTTP 200) with AGENT_TOKEN for SERVER_ID=01JCHECK")]
    [InlineData(401, "FAIL  panel: AGENT_TOKEN rejected (HTTP 401: the panel refused the agent token): re-register with `INSTALL_TOKEN=<token> upanel-agent register --panel-url {0}`")]
    [InlineData(422, "FAIL  panel: the panel refused the heartbeat (HTTP 422")]
    [InlineData(503, "FAIL  panel: PANEL_URL={0} answered HTTP 503: check that PANEL_URL is the panel's base URL")]
    public async Task Check_sends_one_real_heartbeat_to_test_the_panel_and_the_token(int status, string line)
    {
        await using var panel = new TestPanelServer { Reply = _ => PanelReply.WithStatus(status, """{"status":"ok"}""") };
        SetRegistered(panel.BaseUrl.ToString());

        var result = await _cli.RunAsync("check");

        Assert.Contains("\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, line, panel.BaseUrl), "\n" + result.Out);
        var request = Assert.Single(panel.Requests);
        Assert.Equal("/api/agent/heartbeat", request.Path);
        Assert.Equal("Bearer check-token-0123456789", request.Headers["Authorization"]);
        Assert.DoesNotContain("check-token-0123456789", result.Out + result.Err);
        if (status != 200)
        {
            Assert.Equal(ExitCodes.Failure, result.ExitCode);
        }
    }

    [Fact]
    public async Task Check_warns_when_this_hosts_clock_is_more_than_a_minute_off_the_panels()
    {
        // This host's clock is at 10:30:00; the panel says 10:28:25 (it is 95 s behind us).
        await using var panel = new TestPanelServer { Reply = _ => PanelReply.WithStatus(200, """{"status":"ok","server_time":"2026-01-15T10:28:25Z"}""") };
        var cli = new CliRunner { Files = new FakeConfigFileSystem(), Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero)) };
        foreach (var (name, value) in _cli.Environment)
        {
            cli.Environment[name] = value;
        }

        cli.Environment["PANEL_URL"] = panel.BaseUrl.ToString();
        cli.Environment["SERVER_ID"] = "01JCHECK";
        cli.Environment["AGENT_TOKEN"] = "check-token-0123456789";

        // No Docker: its CPU baseline waits on the (fake, unmoving) clock whenever a container runs on the engine.
        cli.Environment["DOCKER_HOST"] = $"unix://{_stateDir}/no-docker.sock";

        var result = await cli.RunAsync("check");

        var clock = Assert.Single(result.Out.Split('\n'), l => l.StartsWith("warn  clock: ", StringComparison.Ordinal));
        Assert.StartsWith("warn  clock: this host's clock is -95 s off the panel's", clock);
        Assert.Contains("run time sync on this host", clock);
    }

    [Fact]
    public async Task Check_fails_a_full_state_dir_which_an_empty_probe_file_would_pass()
    {
        RequiredServices.Root();
        using var disk = TinyTmpfs.Mount(_stateDir, "64k");
        TinyTmpfs.FillUp(Path.Join(disk.Path, "filler"));
        _cli.Environment["STATE_DIR"] = disk.Path;

        var result = await _cli.RunAsync("check");

        var line = Assert.Single(result.Out.Split('\n'), l => l.Contains(" state dir: ", StringComparison.Ordinal));
        Assert.StartsWith($"FAIL  state dir: STATE_DIR={disk.Path} cannot be written (no space left on device: {disk.Path}): ", line);
        Assert.Contains("heartbeats are queued in memory only", line);
    }

    [Fact]
    public async Task Check_says_which_update_the_panel_offers_and_how_to_upgrade()
    {
        await using var panel = new TestPanelServer { Reply = _ => PanelReply.WithStatus(200, """{"status":"ok","update_available":true,"update_url":"ghcr.io/inte-team/upanel-agent:1.1.0"}""") };
        SetRegistered(panel.BaseUrl.ToString());

        var result = await _cli.RunAsync("check");

        Assert.Contains("\nwarn  update: the panel offers ghcr.io/inte-team/upanel-agent:1.1.0 (this agent is 1.0.0): upgrade with " +
            "`docker compose pull && docker compose up -d` in /opt/upanel-agent, or run the install script again\n", "\n" + result.Out);
    }

    [Fact]
    public async Task Check_names_panel_url_when_the_panel_cannot_be_reached()
    {
        var url = $"http://127.0.0.1:{FreePort.Pick()}/";
        SetRegistered(url);

        var result = await _cli.RunAsync("check");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains($"FAIL  panel: cannot reach PANEL_URL={url} (", result.Out);
        Assert.Contains("check PANEL_URL", result.Out);
    }

    [Fact]
    public async Task Check_says_an_https_panel_url_reached_a_plain_http_server_and_how_to_fix_it()
    {
        // A plain-HTTP panel: it reads the ClientHello as a request and answers 400.
        await using var panel = new ScriptedServer(async (c, ct) =>
        {
            var header = new byte[5];
            await c.Stream.ReadExactlyAsync(header, ct);
            await c.Stream.ReadExactlyAsync(new byte[(header[3] << 8) | header[4]], ct);
            await c.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
            c.Close();
        });
        var url = $"https://127.0.0.1:{panel.Port}/";
        SetRegistered(url);

        var result = await _cli.RunAsync("check");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains(
            $"\nFAIL  panel: cannot talk to PANEL_URL={url} (POST {url}api/agent/heartbeat: TLS: the server at 127.0.0.1:{panel.Port} " +
            "answered in plain HTTP, not TLS: use http:// in PANEL_URL, or put a TLS terminator (a reverse proxy with a certificate) in front of it)\n",
            "\n" + result.Out);
        Assert.DoesNotContain("check-token-0123456789", result.Out + result.Err);
    }

    private void SetRegistered(string panelUrl)
    {
        _cli.Environment["PANEL_URL"] = panelUrl;
        _cli.Environment["SERVER_ID"] = "01JCHECK";
        _cli.Environment["AGENT_TOKEN"] = "check-token-0123456789";
        _cli.Environment["HOST_PROC"] = "/proc";
        _cli.Environment["HOST_SYS"] = "/sys";
        _cli.Environment["HOST_ROOT"] = "/";
    }
}
