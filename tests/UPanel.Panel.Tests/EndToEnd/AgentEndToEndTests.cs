using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>The real agent binary against the real panel: register, then run, on each storage engine.</summary>
public abstract class AgentEndToEndTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IDisposable
    where TFixture : PanelFixture
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-e2e-").FullName;

    [Fact]
    public async Task Registered_agent_delivers_this_hosts_heartbeats_on_schedule()
    {
        var panel = fixture.Host;
        var installToken = await panel.CreateInstallTokenAsync();
        var envFile = Path.Combine(_dir, "agent.env");

        var (registerExit, registerOutput) = await AgentProcess.RunAsync(
            ["register", "--panel-url", panel.BaseAddress.ToString(), "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = installToken });

        Assert.True(registerExit == 0, registerOutput);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(envFile));
        var settings = ReadEnvFile(envFile);
        Assert.Equal(64, settings["AGENT_TOKEN"].Length);
        Assert.Equal(panel.BaseAddress.ToString().TrimEnd('/'), settings["PANEL_URL"].TrimEnd('/'));
        var serverId = settings["SERVER_ID"];

        // The panel's interval takes over from the agent's own (60 s).
        using (var settingsResponse = await panel.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{serverId}/settings", panel.AdminKey, """{"next_heartbeat_seconds":5}"""))
        {
            await PanelHost.ReadJsonAsync(settingsResponse, 200);
        }

        var healthPort = FreePort();
        using var agent = await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--heartbeat-interval", "60", "--health-listen", $"127.0.0.1:{healthPort}",
             "--state-dir", Path.Combine(_dir, "state"),
             // Other tests' containers come and go on the shared engine, and each change triggers an extra heartbeat:
             // without Docker only the schedule sends, and the degraded path (containers null) is exercised too.
             "--docker-host", $"unix://{Path.Combine(_dir, "no-docker.sock")}"]);

        var server = await Poll.UntilAsync(
            () => panel.AdminGetAsync($"/api/admin/servers/{serverId}"), view => view.TryGetProperty("metrics", out _), "the first heartbeat", TimeSpan.FromSeconds(30));
        var metrics = server.GetProperty("metrics");
        Assert.Equal(MemTotalMib(), metrics.GetProperty("ram_total_mb").GetInt64());
        var root = new DriveInfo("/");
        Assert.InRange(metrics.GetProperty("disk_total_gb").GetInt64(), (root.TotalSize >> 30) - 1, (root.TotalSize >> 30) + 1);
        Assert.Equal(3, metrics.GetProperty("load_average").GetArrayLength());
        Assert.True(server.GetProperty("online").GetBoolean());
        var containers = await panel.AdminGetAsync($"/api/admin/servers/{serverId}/containers");
        Assert.Equal(JsonValueKind.Null, containers.GetProperty("containers").ValueKind);

        // The schedule: one panel interval (5 s) between samples, not the agent's 60 s. Measured between the second and
        // third samples, both on the new grid (the first one's collection time shifts the first gap).
        var history = await Poll.UntilAsync(
            () => panel.AdminGetAsync($"/api/admin/servers/{serverId}/heartbeats"), page => page.GetProperty("heartbeats").GetArrayLength() >= 3,
            "three heartbeats", TimeSpan.FromSeconds(30));
        var samples = history.GetProperty("heartbeats").EnumerateArray()
            .Select(h => h.GetProperty("timestamp").GetDateTimeOffset()).Order().ToList();
        Assert.InRange((samples[2] - samples[1]).TotalSeconds, 4, 6);

        using var http = new HttpClient();
        var health = await http.GetStringAsync($"http://127.0.0.1:{healthPort}/health", TestContext.Current.CancellationToken);
        Assert.Equal("ok", JsonDocument.Parse(health).RootElement.GetProperty("status").GetString());
        Assert.DoesNotContain(settings["AGENT_TOKEN"], health);

        Assert.Equal(0, await agent.TerminateAsync());
        foreach (var output in new[] { registerOutput, agent.Output })
        {
            Assert.DoesNotContain(settings["AGENT_TOKEN"], output);
            Assert.DoesNotContain(installToken, output);
        }
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    internal static Dictionary<string, string> ReadEnvFile(string path) =>
        File.ReadAllLines(path)
            .Where(line => line.Contains('=') && !line.TrimStart().StartsWith('#'))
            .ToDictionary(line => line[..line.IndexOf('=')].Trim(), line => line[(line.IndexOf('=') + 1)..].Trim().Trim('"'));

    internal static long MemTotalMib()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class AgentEndToEndTestsOnSqlite(SqlitePanelFixture fixture) : AgentEndToEndTests<SqlitePanelFixture>(fixture);

public sealed class AgentEndToEndTestsOnPostgres(PostgresPanelFixture fixture) : AgentEndToEndTests<PostgresPanelFixture>(fixture);
