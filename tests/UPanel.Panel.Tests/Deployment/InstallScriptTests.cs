using System.Diagnostics;
using System.Text;
using System.Text.Json;
using UPanel.Panel.Api;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// deploy/install.sh as users run it: fetched from the panel's /install.sh, run as root with the locally built image
/// (UPANEL_IMAGE), against the real panel and engine, into the real /opt/upanel-agent.
/// </summary>
[Collection(nameof(AgentContainerCollection))]
public sealed class InstallScriptTests : IAsyncLifetime
{
    private const string Dir = "/opt/upanel-agent";
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-install-").FullName;
    private readonly StringBuilder _transcript = new();
    private string? _script;
    private MachineLock? _lock;

    [Fact]
    public async Task Install_reinstall_with_a_new_image_and_uninstall_leave_one_reporting_server_then_nothing()
    {
        var image = await AgentImage.NameAsync();
        var upgraded = image + "-reinstall";
        await DockerCli.RunAsync("tag", image, upgraded);
        await using var panel = await StartPanelServingTheScriptAsync();
        Assert.Contains($"panel_url='{panel.BaseAddress.ToString().TrimEnd('/')}' # @panel_url@", await File.ReadAllTextAsync(_script!, TestContext.Current.CancellationToken));
        var installToken = await panel.CreateInstallTokenAsync();

        var (installExit, installOutput) = await RunScriptAsync(image, "--token", installToken);

        Assert.True(installExit == 0, installOutput);
        Assert.Contains("UPanel agent is running in Docker and reporting to the panel as server", installOutput);
        // register's own lines, without its "next: start the agent": the script starts it (UPANEL_NO_NEXT_STEP).
        Assert.Contains("registered: server id ", installOutput);
        Assert.DoesNotContain("next: start the agent", installOutput);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode($"{Dir}/.env"));
        var settings = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile($"{Dir}/.env");
        var serverId = settings["SERVER_ID"];
        var first = await panel.AdminGetAsync($"/api/admin/servers/{serverId}");
        Assert.Equal("online", first.GetProperty("status").GetString());
        Assert.Equal(image, await DockerCli.InspectAsync("upanel-agent", "{{.Config.Image}}"));

        // Again, without the install token, with another image: the same server, upgraded, still reporting.
        var (againExit, againOutput) = await RunScriptAsync(upgraded);

        Assert.True(againExit == 0, againOutput);
        Assert.Contains($"already registered as server {serverId}", againOutput);
        Assert.Equal(upgraded, await DockerCli.InspectAsync("upanel-agent", "{{.Config.Image}}"));
        var again = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile($"{Dir}/.env");
        Assert.Equal((settings["PANEL_URL"], serverId), (again["PANEL_URL"], again["SERVER_ID"]));
        SecretAssert.Same(settings["AGENT_TOKEN"], again["AGENT_TOKEN"], "the agent token after the re-run");
        var servers = await panel.AdminGetAsync("/api/admin/servers");
        Assert.Equal([serverId], servers.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        await Poll.UntilAsync(
            () => panel.AdminGetAsync($"/api/admin/servers/{serverId}/containers"),
            containers => containers.GetProperty("containers") is { ValueKind: JsonValueKind.Array } list
                && list.EnumerateArray().Any(c => c.GetProperty("name").GetString() == "upanel-agent" && c.GetProperty("image").GetString() == upgraded),
            "a heartbeat from the upgraded agent", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(installToken, installOutput + againOutput);
        Assert.DoesNotContain(settings["AGENT_TOKEN"], installOutput + againOutput);

        var (uninstallExit, uninstallOutput) = await RunScriptAsync(upgraded, "--uninstall");

        Assert.True(uninstallExit == 0, uninstallOutput);
        Assert.False(Directory.Exists(Dir));
        Assert.Equal("", await DockerCli.RunAsync("ps", "-a", "-q", "--filter", "name=^/upanel-agent$"));
        Assert.Equal("", await DockerCli.RunAsync("volume", "ls", "-q", "--filter", "name=^upanel-agent_state$"));
    }

    [Fact]
    public async Task Install_that_cannot_register_says_why_and_leaves_nothing_behind()
    {
        var image = await AgentImage.NameAsync();
        await using var panel = await StartPanelServingTheScriptAsync();

        var (noTokenExit, noTokenOutput) = await RunScriptAsync(image);
        var (badTokenExit, badTokenOutput) = await RunScriptAsync(image, "--token", "not-an-install-token");

        Assert.Equal(1, noTokenExit);
        Assert.Contains("not registered yet and no install token: pass --token INSTALL_TOKEN", noTokenOutput);
        Assert.Equal(1, badTokenExit);
        Assert.Contains("registration failed (above): nothing was installed", badTokenOutput);
        Assert.False(Directory.Exists(Dir));
        Assert.Equal("", await DockerCli.RunAsync("ps", "-a", "-q", "--filter", "name=^/upanel-agent$"));
        Assert.Empty(await panel.Store.ListServersAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Install_whose_agent_cannot_bind_its_health_port_shows_the_agents_log_and_HEALTH_LISTEN_is_kept_for_upgrades()
    {
        var image = await AgentImage.NameAsync();
        await using var panel = await StartPanelServingTheScriptAsync();
        var installToken = await panel.CreateInstallTokenAsync();
        var port = FreeLoopbackPort();

        // Another program on the agent's default /health address (the host's 127.0.0.1:8443: the container has the host's network).
        using (HoldLoopbackPort(8443))
        {
            var (takenExit, takenOutput) = await RunScriptAsync(image, "--token", installToken);

            // Before: 120 s of waiting, then "see: docker logs upanel-agent" about a container it had just removed.
            Assert.Equal(1, takenExit);
            Assert.Contains("the agent exited instead of reporting", takenOutput);
            Assert.Contains("HEALTH_LISTEN=127.0.0.1:8443 cannot be bound (AddressAlreadyInUse)", takenOutput);
            Assert.Contains("curl ... | sudo HEALTH_LISTEN=127.0.0.1:8444 sh -s -- ...", takenOutput);
            Assert.Contains("started, but not reporting (its log above); once fixed, run this script again", takenOutput);
            Assert.False(Directory.Exists(Dir));
            Assert.Equal("", await DockerCli.RunAsync("ps", "-a", "-q", "--filter", "name=^/upanel-agent$"));
        }

        var (exit, output) = await RunScriptAsync(image, new Dictionary<string, string> { ["HEALTH_LISTEN"] = $"127.0.0.1:{port}" }, "--token", installToken);

        Assert.True(exit == 0, output);
        var settings = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile($"{Dir}/.env");
        Assert.Equal($"127.0.0.1:{port}", settings["HEALTH_LISTEN"]);
        // The documented upgrade, from the directory and without the variable: compose reads it from .env.
        await ComposeCli.RunAsync(Dir, "up", "-d", "--force-recreate");
        Assert.Contains($"\"HEALTH_LISTEN=127.0.0.1:{port}\"", await DockerCli.InspectAsync("upanel-agent", "{{json .Config.Env}}"));
        var servers = await panel.AdminGetAsync("/api/admin/servers");
        Assert.Equal([settings["SERVER_ID"]], servers.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Install_beside_another_agent_on_its_health_address_does_not_take_that_agents_answer_for_its_own()
    {
        var image = await AgentImage.NameAsync();
        await using var panel = await StartPanelServingTheScriptAsync();
        var installToken = await panel.CreateInstallTokenAsync();
        // An agent already on this host (systemd, scripts/run-local.sh) answering on 127.0.0.1:8443 that it reports.
        using var other = HoldLoopbackPort(8443);
        using var stop = new CancellationTokenSource();
        var answering = other is null ? Task.CompletedTask : AnswerAsHealthyAgentAsync(other, stop.Token);

        var (exit, output) = await RunScriptAsync(image, "--token", installToken);
        await stop.CancelAsync();
        await answering;

        Assert.Equal(1, exit);
        Assert.DoesNotContain("UPanel agent is running", output);
        Assert.Contains("HEALTH_LISTEN=127.0.0.1:8443 cannot be bound (AddressAlreadyInUse)", output);
        Assert.False(Directory.Exists(Dir));
    }

    /// <summary>Answers every GET /health as a healthy agent that reported a minute ago, until cancelled.</summary>
    private static async Task AnswerAsHealthyAgentAsync(System.Net.Sockets.Socket listener, CancellationToken cancellationToken)
    {
        const string body = """{"status":"ok","uptime_seconds":3600,"version":"1.0.0","last_heartbeat_at":"2026-01-15T10:30:00Z","queue_length":0,"panel":"ok","docker":"ok"}""";
        var answer = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        try
        {
            while (true)
            {
                using var connection = await listener.AcceptAsync(cancellationToken);
                var request = new byte[4096];
                var read = 0;
                while (read < request.Length && !Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await connection.ReceiveAsync(request.AsMemory(read), cancellationToken);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                await connection.SendAsync(answer, cancellationToken);
                connection.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> until disposed; null when another program holds it already.</summary>
    private static System.Net.Sockets.Socket? HoldLoopbackPort(int port)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            socket.Listen();
            return socket;
        }
        catch (System.Net.Sockets.SocketException exception) when (exception.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            return null;
        }
    }

    [Fact]
    public void Served_script_has_the_url_and_image_filled_in_only_where_marked()
    {
        var template = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "install.sh"));

        var filled = InstallScriptEndpoint.Fill(template, "https://panel.example.com", "registry.example.com/upanel-agent:latest");

        var changed = template.Split('\n').Zip(filled.Split('\n')).Where(p => p.First != p.Second).Select(p => p.Second).ToList();
        Assert.Equal(
        [
            "panel_url='https://panel.example.com' # @panel_url@: filled in by the panel",
            "default_image='registry.example.com/upanel-agent:latest' # @image@: the panel fills this in",
        ], changed);
        Assert.False(InstallScriptEndpoint.IsShellLiteral("https://x/'$(reboot)'"));
    }

    [Fact]
    public async Task Systemd_install_on_a_host_without_systemd_says_so_and_changes_nothing()
    {
        if (Directory.Exists("/run/systemd/system"))
        {
            Assert.Skip("systemd runs on this host: this test is for hosts without it (CI, containers)");
        }

        _script = Path.Combine(RepositoryRoot.Path, "deploy", "install.sh");

        var (exit, output) = await RunScriptAsync("unused", "--systemd", "--panel-url", "http://127.0.0.1:9", "--token", "unused-install-token-x");

        Assert.Equal(1, exit);
        Assert.Contains("systemd is not running on this host: --systemd needs it", output);
        Assert.False(File.Exists("/usr/local/bin/upanel-agent"));
        Assert.False(File.Exists("/etc/systemd/system/upanel-agent.service"));
        Assert.False(Directory.Exists(Dir));
    }

    /// <summary>A panel on SQLite in this test's directory, and the install script as that panel serves it, to run.</summary>
    private async Task<PanelHost> StartPanelServingTheScriptAsync()
    {
        var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });
        _script = Path.Combine(_dir, "install.sh");
        await File.WriteAllTextAsync(_script, await panel.Client.GetStringAsync("/install.sh", TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        return panel;
    }

    private Task<(int ExitCode, string Output)> RunScriptAsync(string image, params string[] args) =>
        RunScriptAsync(image, new Dictionary<string, string>(), args);

    private async Task<(int ExitCode, string Output)> RunScriptAsync(string image, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("sh", [_script!, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["UPANEL_IMAGE"] = image;
        start.Environment.Remove("INSTALL_TOKEN");
        start.Environment.Remove("HEALTH_LISTEN");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        process.WaitForExit();
        var shown = string.Join(' ', args.Select(a => a.Length > 20 ? "<install token>" : a));
        var variables = string.Concat(environment.Select(e => $" {e.Key}={e.Value}"));
        _transcript.Append($"# UPANEL_IMAGE={image}{variables} sh install.sh {shown}\n{output}(exit {process.ExitCode})\n\n");
        return (process.ExitCode, output.ToString());
    }

    public async ValueTask InitializeAsync()
    {
        _lock = await MachineLock.AcquireAsync("upanel-agent-container", TimeSpan.FromMinutes(10));

        // A run that crashed half-way must not make the next one fail: start from an uninstalled host.
        if (await DockerCli.RunAsync("ps", "-a", "-q", "--filter", "name=^/upanel-agent$") != "")
        {
            await DockerCli.RunAsync("rm", "-f", "-v", "upanel-agent");
        }

        if (Directory.Exists(Dir))
        {
            Directory.Delete(Dir, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        TestContext.Current.TestOutputHelper?.WriteLine(_transcript.ToString());
        if (_script is not null && (Directory.Exists(Dir) || await DockerCli.RunAsync("ps", "-a", "-q", "--filter", "name=^/upanel-agent$") != ""))
        {
            await RunScriptAsync("unused", "--uninstall");
        }

        Directory.Delete(_dir, recursive: true);
        _lock?.Dispose();
    }
}
