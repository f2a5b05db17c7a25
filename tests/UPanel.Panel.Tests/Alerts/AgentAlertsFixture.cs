using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// The real agent's alerts: a panel on the real clock (SQLite), a webhook channel to a real receiver on 127.0.0.1,
/// and the servers, agent processes and containers the tests start, all removed at the end.
/// </summary>
public sealed class AgentAlertsFixture : IAsyncLifetime
{
    /// <summary>The panel's interval for the tests' servers (the smallest allowed), so offline comes after 15 s.</summary>
    public const int IntervalSeconds = 5;

    private readonly SqlitePanelFixture _engine = new() { RealClock = true };
    private readonly List<AgentProcess> _agents = [];
    private readonly List<string> _containers = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-agent-alerts-").FullName;
    private WebhookReceiver? _receiver;

    /// <summary>Every container of these tests is named with it: other tests share the engine.</summary>
    internal string Prefix { get; } = "upanel-alerts-" + Guid.NewGuid().ToString("N")[..8];

    internal PanelHost Panel => _engine.Host;

    internal WebhookReceiver Receiver => _receiver!;

    internal string Secret { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        await _engine.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        (_, var secret) = await _engine.Host.AddChannelAsync("webhook", _receiver.Url);
        Secret = secret!;
    }

    /// <summary>A registered server with the panel's interval at <see cref="IntervalSeconds"/>: its env file.</summary>
    internal async Task<(string ServerId, string EnvFile)> NewServerAsync(string hostname)
    {
        var server = await Panel.NewServerAsync(hostname);
        using (var response = await Panel.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey, $$"""{"next_heartbeat_seconds":{{IntervalSeconds}}}"""))
        {
            await PanelHost.ReadJsonAsync(response, 200);
        }

        var envFile = Path.Combine(_dir, server.ServerId + ".env");
        await File.WriteAllTextAsync(envFile, $"PANEL_URL={Panel.BaseAddress}\nSERVER_ID={server.ServerId}\nAGENT_TOKEN={server.AgentToken}\n");
        File.SetUnixFileMode(envFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (server.ServerId, envFile);
    }

    /// <summary>
    /// Runs the agent for a server. Without <paramref name="docker"/> it reports no containers (the engine is shared,
    /// and the offline tests need only the schedule).
    /// </summary>
    internal async Task<AgentProcess> StartAgentAsync(string envFile, bool docker)
    {
        var agent = await AgentProcess.StartAsync(
        [
            "run", "--env-file", envFile, "--heartbeat-interval", IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--health-listen", "off", "--state-dir", envFile + ".state",
            "--docker-host", docker ? $"unix://{RequiredServices.DockerSocket}" : $"unix://{Path.Combine(_dir, "no-docker.sock")}",
        ]);
        lock (_agents)
        {
            _agents.Add(agent);
        }

        return agent;
    }

    /// <summary><c>docker run -d --network none</c> a busybox container named <see cref="Prefix"/>-<paramref name="name"/>; its full name.</summary>
    internal async Task<string> RunContainerAsync(string name, string[] options, params string[] command)
    {
        var fullName = $"{Prefix}-{name}";
        lock (_containers)
        {
            _containers.Add(fullName);
        }

        await DockerCli.StartAsync(fullName, options, command);
        return fullName;
    }

    public async ValueTask DisposeAsync()
    {
        // The containers first: a restart loop left behind would restart on the shared engine for good.
        try
        {
            await DockerCli.RemoveAsync(_containers);
        }
        finally
        {
            foreach (var agent in _agents)
            {
                agent.Dispose();
            }

            if (_receiver is not null)
            {
                await _receiver.DisposeAsync();
            }

            await _engine.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
