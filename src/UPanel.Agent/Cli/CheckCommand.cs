using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;
using UPanel.Agent.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>check</c>: one <c>ok</c> line per healthy area, one <c>FAIL</c> line per problem with its fix (exit 1 when any),
/// and <c>warn</c> lines for what is probably but not surely wrong.
/// Areas: config, host mounts, state dir, panel (reachability and token), docker.
/// </summary>
internal sealed class CheckCommand(CliEnvironment env, ConfigLoadResult config)
{
    private int _failures;
    private int _warnings;

    public async Task<int> RunAsync()
    {
        var options = config.Options;
        var configProblems = config.ProblemsFor(ConfigNeeds.Panel);
        foreach (var problem in configProblems)
        {
            Fail("config", problem.Message);
        }

        if (configProblems.Count == 0)
        {
            Ok("config", $"PANEL_URL={options.PanelUrl} SERVER_ID={options.ServerId} AGENT_TOKEN=(set) " +
                         $"env file: {(config.EnvFileLoaded ? config.EnvFilePath : "none")}");
        }

        foreach (var warning in config.Warnings)
        {
            Warn("config", warning);
        }

        using var collectors = new Collectors(options, NullLoggerFactory.Instance, env.Time);
        if (!Refused("host mounts", Settings.HostProc, Settings.HostSys, Settings.HostRoot))
        {
            CheckHostMounts(options, collectors.Files);
        }

        if (!Refused("state dir", Settings.StateDir))
        {
            CheckStateDir(options);
        }

        // One container source for both: the panel's heartbeat carries what it found, and its status is the docker line.
        var docker = collectors.Containers;
        var containers = configProblems.Count == 0
            ? await CheckPanelAsync(collectors)
            : await SkipPanelAsync(docker, dockerRefused: config.LoadProblems.Any(p => p.Setting == Settings.DockerHost.Name));
        if (!Refused("docker", Settings.DockerHost))
        {
            if (docker.IsAvailable)
            {
                Ok("docker", $"DOCKER_HOST={options.DockerHost.Host} answers (Engine API {docker.ApiVersion}): {Containers(containers?.Count ?? 0)}, " +
                             $"CPU and memory from {docker.StatsSource}");
            }
            else if (DockerFailure.KindOf(docker.Status) == DockerFailure.SocketMissing && !InContainer())
            {
                // Run on the host itself (systemd, by hand): a host without Docker is a host the agent serves too.
                Warn("docker", $"DOCKER_HOST={options.DockerHost.Host}: no such socket on this host: without Docker here that is expected " +
                               "(heartbeats carry containers: null); if Docker or Podman runs here, set DOCKER_HOST to its socket");
            }
            else
            {
                Fail("docker", $"DOCKER_HOST={options.DockerHost.Host}: {docker.Status}; until fixed, heartbeats carry containers: null");
            }
        }

        return _failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private void CheckHostMounts(AgentOptions options, HostFiles files)
    {
        var before = _failures + _warnings;
        const string mountProc = "mount the host's /proc (-v /proc:/host/proc:ro) or set HOST_PROC";
        Readable(files, HostRootKind.Proc, "stat", "HOST_PROC", options.HostProc, mountProc);
        Readable(files, HostRootKind.Proc, "1/net/dev", "HOST_PROC", options.HostProc, mountProc + " (network counters come from it)");
        if (!Directory.Exists(files.PathOf(HostRootKind.Sys, "devices/virtual/net")))
        {
            Fail("host mounts",
                $"HOST_SYS={options.HostSys}: {files.PathOf(HostRootKind.Sys, "devices/virtual/net")} does not exist: " +
                "mount the host's /sys (-v /sys:/host/sys:ro) or set HOST_SYS");
        }

        try
        {
            if (DiskCollector.Read(options.HostRoot).TotalBytes == 0)
            {
                Fail("host mounts", $"HOST_ROOT={options.HostRoot}: statvfs reports a size of 0: mount the host's / (-v /:/host/root:ro) or set HOST_ROOT");
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            Fail("host mounts", $"HOST_ROOT={options.HostRoot}: {e.Message}: mount the host's / (-v /:/host/root:ro) or set HOST_ROOT");
        }

        // Inside a container, the defaults /proc and / are usually the container's: /proc/1/net/dev is its network
        // namespace and statvfs("/") its overlay. Usually, not always (pid: host, network_mode: host), so a warning.
        if (InContainer())
        {
            if (options.HostProc == "/proc")
            {
                Warn("host mounts", "HOST_PROC=/proc inside a container: unless it shares the host's pid and network namespaces, " +
                                    "network counters are the container's, not the host's: " + mountProc);
            }

            if (options.HostRoot == "/")
            {
                Warn("host mounts", "HOST_ROOT=/ inside a container: disk usage is the container's overlay, not the host's /: " +
                                    "mount the host's / (-v /:/host/root:ro) or set HOST_ROOT");
            }
        }

        if (_failures + _warnings == before)
        {
            Ok("host mounts", $"HOST_PROC={options.HostProc} HOST_SYS={options.HostSys} HOST_ROOT={options.HostRoot}");
        }
    }

    /// <summary>
    /// STATE_DIR must take the heartbeat queue and the rotated token: a probe of one block, synced, catches a missing,
    /// read-only or full STATE_DIR (an empty file would still fit on a full disk).
    /// </summary>
    private void CheckStateDir(AgentOptions options)
    {
        var probe = Path.Join(options.StateDir, $".check-{Guid.NewGuid():N}");
        try
        {
            PrivateDirectory.Create(options.StateDir);
            using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(new byte[4096]);
                file.Flush(flushToDisk: true);
            }

            var queued = Directory.Exists(options.QueueDirectory)
                ? Directory.EnumerateFiles(options.QueueDirectory, "*" + QueueLog.Extension).Sum(f => new FileInfo(f).Length)
                : 0;
            Ok("state dir", $"STATE_DIR={options.StateDir} is writable; heartbeat queue on disk: {queued / 1024} KiB");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("state dir",
                $"STATE_DIR={options.StateDir} cannot be written ({FileErrorText.Describe(e, options.StateDir)}): heartbeats are queued in memory only " +
                "(lost on restart) and a rotated token is not kept; mount a volume there (-v upanel-agent-state:/var/lib/upanel-agent), " +
                "create it writable for the agent's user with free space, or set STATE_DIR");
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private void Readable(IHostFiles files, HostRootKind root, string relative, string setting, string value, string fix)
    {
        try
        {
            files.ReadAllText(root, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("host mounts", $"{setting}={value}: {files.PathOf(root, relative)} cannot be read ({e.GetType().Name}): {fix}");
        }
    }

    private async Task<IReadOnlyList<ContainerInfo>?> SkipPanelAsync(DockerContainerSource docker, bool dockerRefused)
    {
        Fail("panel", "not checked: fix the config problems above first");
        return dockerRefused ? null : await docker.CollectAsync(env.Stopping);
    }

    /// <summary>
    /// A refused value leaves its default in the options: probing that default would report on a path or socket the
    /// user did not choose ("ok" for /var/lib/upanel-agent right under "STATE_DIR is not an absolute path"), and create it.
    /// </summary>
    private bool Refused(string area, params Setting[] settings)
    {
        var refused = settings.Where(s => config.LoadProblems.Any(p => p.Setting == s.Name)).Select(s => s.Name).ToList();
        if (refused.Count == 0)
        {
            return false;
        }

        Fail(area, $"not checked: fix {string.Join(" and ", refused)} above first");
        return true;
    }

    /// <summary>Sends one real heartbeat: the only way to know both that the panel is reachable and that it takes the token.</summary>
    private async Task<IReadOnlyList<ContainerInfo>?> CheckPanelAsync(Collectors collectors)
    {
        var options = config.Options;
        var heartbeat = await new HeartbeatFactory(collectors.Host, collectors.Containers, options, env.Time).CreateAsync(env.Stopping);
        // The token run would send: AgentToken resolves the configured and the rotated one as run does.
        var token = new AgentToken(options.AgentToken!, options.StateDir, () => null, NullLogger.Instance).Current;
        using var http = PanelHttp.CreateClient(env.Variables);
        var client = new PanelClient(http, options.PanelUrl!, env.Time, NullLogger.Instance);
        var result = await client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(heartbeat), token, env.Stopping);
        var answeredAt = env.Time.GetUtcNow();
        var url = options.PanelUrl;
        switch (result.Outcome)
        {
            case PanelOutcome.Success:
                Ok("panel", $"{client.HeartbeatUri} accepted a heartbeat (HTTP {(int)result.StatusCode!}) with AGENT_TOKEN for SERVER_ID={options.ServerId}");
                if (result.Response?.ServerTime is { } serverTime && (serverTime - answeredAt).Duration() > Reporter.ClockSkewLimit)
                {
                    Warn("clock", $"this host's clock is {(serverTime - answeredAt).TotalSeconds:0} s off the panel's (positive: the panel is ahead): " +
                        "heartbeat times and the panel's online status are off by as much; run time sync on this host (systemd-timesyncd, chrony)");
                }

                if (result.Response is { } answer && UpdateOffer.Of(answer) is { } update)
                {
                    Warn("update", $"the panel offers {update.Url ?? "an update"} (this agent is {AgentInfo.Version}): " +
                        "upgrade with `docker compose pull && docker compose up -d` in /opt/upanel-agent, or run the install script again");
                }

                break;
            case PanelOutcome.Unauthorized:
                Fail("panel",
                    $"AGENT_TOKEN rejected ({result.Reason}): re-register with `INSTALL_TOKEN=<token> upanel-agent register --panel-url {url}`, " +
                    $"or fix AGENT_TOKEN in {config.EnvFilePath}");
                break;
            case PanelOutcome.Rejected:
                Fail("panel", $"the panel refused the heartbeat ({result.Reason}): check SERVER_ID and that the panel supports this agent version ({AgentInfo.Version})");
                break;
            default:
                Fail("panel", result.ReasonNamesFix
                    ? $"cannot talk to PANEL_URL={url} ({result.Reason})"
                    : result.StatusCode is null
                    ? $"cannot reach PANEL_URL={url} ({result.Reason}): check PANEL_URL, DNS and firewalls between this host and the panel"
                    : $"PANEL_URL={url} answered {result.Reason}: check that PANEL_URL is the panel's base URL and the panel's log");
                break;
        }

        return heartbeat.Containers;
    }

    private bool InContainer() => env.Files.FileExists("/.dockerenv") || env.Files.FileExists("/run/.containerenv");

    /// <summary>"1 container", "0 containers", "20 containers".</summary>
    internal static string Containers(int count) => count == 1 ? "1 container" : $"{count} containers";

    private void Ok(string area, string detail) => env.Out.WriteLine($"ok    {area}: {detail}");

    /// <summary>Probably wrong, but not surely: shown, not counted as a failure.</summary>
    private void Warn(string area, string message)
    {
        _warnings++;
        env.Out.WriteLine($"warn  {area}: {message}");
    }

    private void Fail(string area, string message)
    {
        _failures++;
        env.Out.WriteLine($"FAIL  {area}: {message}");
    }
}
