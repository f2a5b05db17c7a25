namespace UPanel.Agent.Configuration;

/// <summary>Every setting of the agent in one table: the loader, the validator and <c>--help</c> read it.</summary>
internal static class Settings
{
    public const string DefaultEnvFile = "/opt/upanel-agent/.env";

    public static readonly Setting PanelUrl = new(
        "PANEL_URL", "--panel-url", "URL", "none (required for run)",
        "base URL of the panel; https (plain http only for loopback hosts)");

    public static readonly Setting ServerId = new(
        "SERVER_ID", "--server-id", "ID", "none (required for run)", "this server's id, written by register");

    // No flag on purpose: a token on the command line is visible to every user in `ps`.
    public static readonly Setting AgentToken = new(
        "AGENT_TOKEN", null, "", "none (required for run)",
        "the agent token, written by register; never printed; no flag (a token on the command line shows in `ps`)");

    public static readonly Setting AgentTokenFile = new(
        "AGENT_TOKEN_FILE", "--agent-token-file", "PATH", "none",
        "read AGENT_TOKEN from this file (e.g. a Docker secret), trimmed; the higher layer wins, both in one layer is an error");

    public static readonly Setting HeartbeatInterval = new(
        "HEARTBEAT_INTERVAL", "--heartbeat-interval", "SECONDS", "60",
        "seconds between heartbeats (5-3600); the panel's next_heartbeat_seconds overrides it");

    public static readonly Setting HostProc = new(
        "HOST_PROC", "--host-proc", "PATH", "/host/proc if it exists, else /proc", "the host's /proc");

    public static readonly Setting HostSys = new(
        "HOST_SYS", "--host-sys", "PATH", "/host/sys if it exists, else /sys", "the host's /sys");

    public static readonly Setting HostRoot = new(
        "HOST_ROOT", "--host-root", "PATH", "/host/root if it exists, else /", "the host's root filesystem (disk usage)");

    public static readonly Setting DockerHost = new(
        "DOCKER_HOST", "--docker-host", "URL", "unix:///var/run/docker.sock", "Docker or Podman API socket");

    public static readonly Setting HealthListen = new(
        "HEALTH_LISTEN", "--health-listen", "HOST:PORT|off", "0.0.0.0:8443", "plain-HTTP GET /health endpoint; off disables it");

    public static readonly Setting StateDir = new(
        "STATE_DIR", "--state-dir", "PATH", "/var/lib/upanel-agent", "the heartbeat queue and the rotated agent token (mode 0700)");

    public static readonly Setting QueueMaxHeartbeats = new(
        "QUEUE_MAX_HEARTBEATS", "--queue-max-heartbeats", "N", "a day's worth at the interval (1440 at 60 s)",
        "heartbeats kept while the panel is unreachable; the oldest are dropped (and counted) beyond it");

    public static readonly Setting QueueMaxBytes = new(
        "QUEUE_MAX_BYTES", "--queue-max-bytes", "BYTES", "16777216 (16 MiB)",
        "bytes of heartbeats kept while the panel is unreachable (at least 65536); the oldest are dropped beyond it");

    public static readonly Setting LogLevel = new(
        "LOG_LEVEL", null, "", "Information",
        "least severe log level written to stderr: Trace, Debug, Information, Warning, Error, Critical, None");

    public static readonly Setting EnvFile = new(
        "ENV_FILE", "--env-file", "PATH", DefaultEnvFile + " if it exists",
        "KEY=VALUE file read below the environment; register writes to it", FromEnvironment: false, FromEnvFile: false);

    public static readonly Setting InstallToken = new(
        "INSTALL_TOKEN", "--install-token", "TOKEN", "none",
        "register only: the one-time install token from the panel; prefer the environment variable (not visible in `ps`)",
        FromEnvFile: false);

    /// <summary>
    /// install.sh and run-local.sh start the agent themselves. An environment variable, not a flag: an agent older than
    /// the script (an image pinned with UPANEL_IMAGE) ignores it, where it would refuse an unknown flag and not register.
    /// </summary>
    public static readonly Setting NoNextStep = new(
        "UPANEL_NO_NEXT_STEP", null, "", "unset",
        "register only: set (to anything but empty or 0) to leave out the line saying how to start the agent, for scripts that start it themselves",
        FromEnvFile: false);

    /// <summary>The settings that make up <see cref="AgentOptions"/>, in help order.</summary>
    public static readonly IReadOnlyList<Setting> Agent =
    [
        PanelUrl, ServerId, AgentToken, AgentTokenFile, HeartbeatInterval, HostProc, HostSys, HostRoot, DockerHost,
        HealthListen, StateDir, QueueMaxHeartbeats, QueueMaxBytes, LogLevel,
    ];

    /// <summary>Settings only the panel connection needs: <c>collect</c> ignores their problems.</summary>
    public static readonly IReadOnlyList<Setting> PanelConnection = [PanelUrl, ServerId, AgentToken, AgentTokenFile];

    public static Setting? ByFlag(string flag)
    {
        foreach (var setting in Agent)
        {
            if (setting.Flag == flag)
            {
                return setting;
            }
        }

        return flag == EnvFile.Flag ? EnvFile : flag == InstallToken.Flag ? InstallToken : null;
    }
}
