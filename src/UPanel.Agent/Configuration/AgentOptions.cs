using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Every setting of the agent with its default, in one place (DESIGN.md, "Configuration").
/// Built by <see cref="ConfigLoader"/> (flag &gt; environment &gt; env file &gt; default) and validated at start.
/// </summary>
internal sealed class AgentOptions
{
    public const int MinIntervalSeconds = 5;
    public const int MaxIntervalSeconds = 3600;
    public const int DefaultIntervalSeconds = 60;

    /// <summary>Base URL of the panel; required for <c>run</c>.</summary>
    public Uri? PanelUrl { get; set; }

    public string? ServerId { get; set; }

    /// <summary>The agent token. Never printed, logged or echoed: <see cref="ToString"/> leaves it out.</summary>
    public string? AgentToken { get; set; }

    /// <summary>Where <see cref="AgentToken"/> was read from, when it came from AGENT_TOKEN_FILE (re-read it after a 401).</summary>
    public string? AgentTokenFile { get; set; }

    /// <summary>Seconds between heartbeats (5–3600) until the panel says otherwise.</summary>
    public int HeartbeatIntervalSeconds { get; set; } = DefaultIntervalSeconds;

    public string HostProc { get; set; } = "/proc";

    public string HostSys { get; set; } = "/sys";

    public string HostRoot { get; set; } = "/";

    public string DockerHost { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>Where the health endpoint listens; null when HEALTH_LISTEN is <c>off</c>.</summary>
    public HealthListenAddress? HealthListenAddress { get; set; } = new("0.0.0.0", 8443);

    /// <summary>HEALTH_LISTEN as written: <c>host:port</c> or <c>off</c>.</summary>
    public string HealthListen => HealthListenAddress?.ToString() ?? HealthListenAddress.Off;

    public string StateDir { get; set; } = "/var/lib/upanel-agent";

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>The env file settings were read from (or that <c>register</c> writes); null when none was used.</summary>
    public string? EnvFile { get; set; }

    public override string ToString() =>
        $"PANEL_URL={PanelUrl} SERVER_ID={ServerId} AGENT_TOKEN={(AgentToken is null ? "(unset)" : "(set)")} " +
        $"AGENT_TOKEN_FILE={AgentTokenFile} HEARTBEAT_INTERVAL={HeartbeatIntervalSeconds} HOST_PROC={HostProc} " +
        $"HOST_SYS={HostSys} HOST_ROOT={HostRoot} DOCKER_HOST={DockerHost} HEALTH_LISTEN={HealthListen} " +
        $"STATE_DIR={StateDir} LOG_LEVEL={LogLevel} ENV_FILE={EnvFile}";
}
