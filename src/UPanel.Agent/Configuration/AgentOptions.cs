using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Every setting of the agent with its default, in one place (DESIGN.md, "Configuration").
/// Built by <see cref="ConfigLoader"/> (flag &gt; environment &gt; env file &gt; default) and validated at start; immutable
/// from then on (a changed setting is a new instance: <c>with</c>).
/// </summary>
internal sealed record AgentOptions
{
    public const int MinIntervalSeconds = 5;
    public const int MaxIntervalSeconds = 3600;
    public const int DefaultIntervalSeconds = 60;
    public const long DefaultQueueMaxBytes = 16 * 1024 * 1024;
    public const long MinQueueMaxBytes = 64 * 1024;

    /// <summary>Base URL of the panel; required for <c>run</c>.</summary>
    public Uri? PanelUrl { get; init; }

    public string? ServerId { get; init; }

    /// <summary>The agent token. Never printed, logged or echoed: <see cref="ToString"/> leaves it out.</summary>
    public string? AgentToken { get; init; }

    /// <summary>Where <see cref="AgentToken"/> was read from, when it came from AGENT_TOKEN_FILE (re-read it after a 401).</summary>
    public string? AgentTokenFile { get; init; }

    /// <summary>Seconds between heartbeats (5–3600) until the panel says otherwise.</summary>
    public int HeartbeatIntervalSeconds { get; init; } = DefaultIntervalSeconds;

    public string HostProc { get; init; } = "/proc";

    public string HostSys { get; init; } = "/sys";

    public string HostRoot { get; init; } = "/";

    /// <summary>DOCKER_HOST, parsed once here: the container source and <c>check</c> use it as it is.</summary>
    public DockerEndpoint DockerHost { get; init; } = DockerEndpoint.Default;

    /// <summary>Where the health endpoint listens; null when HEALTH_LISTEN is <c>off</c>.</summary>
    public HealthListenAddress? HealthListenAddress { get; init; } = new("0.0.0.0", 8443);

    /// <summary>HEALTH_LISTEN as written: <c>host:port</c> or <c>off</c>.</summary>
    public string HealthListen => HealthListenAddress?.ToString() ?? HealthListenAddress.Off;

    public string StateDir { get; init; } = "/var/lib/upanel-agent";

    /// <summary>QUEUE_MAX_HEARTBEATS; null: a day's worth at the current interval (<see cref="DefaultQueueMaxHeartbeats"/>).</summary>
    public int? QueueMaxHeartbeats { get; init; }

    /// <summary>QUEUE_MAX_BYTES: the queue's bound in bytes of heartbeats.</summary>
    public long QueueMaxBytes { get; init; } = DefaultQueueMaxBytes;

    /// <summary>The directory of the durable heartbeat queue.</summary>
    public string QueueDirectory => Path.Join(StateDir, "queue");

    /// <summary>The queue's count bound for <paramref name="interval"/> when QUEUE_MAX_HEARTBEATS is not set: 24 hours.</summary>
    public static int DefaultQueueMaxHeartbeats(TimeSpan interval) => (int)Math.Ceiling(TimeSpan.FromDays(1) / interval);

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>The env file settings were read from (or that <c>register</c> writes); null when none was used.</summary>
    public string? EnvFile { get; init; }

    public override string ToString() =>
        $"PANEL_URL={PanelUrl} SERVER_ID={ServerId} AGENT_TOKEN={(AgentToken is null ? "(unset)" : "(set)")} " +
        $"AGENT_TOKEN_FILE={AgentTokenFile} HEARTBEAT_INTERVAL={HeartbeatIntervalSeconds} HOST_PROC={HostProc} " +
        $"HOST_SYS={HostSys} HOST_ROOT={HostRoot} DOCKER_HOST={DockerHost.Host} HEALTH_LISTEN={HealthListen} " +
        $"STATE_DIR={StateDir} QUEUE_MAX_HEARTBEATS={QueueMaxHeartbeats?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(a day)"} " +
        $"QUEUE_MAX_BYTES={QueueMaxBytes} LOG_LEVEL={LogLevel} ENV_FILE={EnvFile}";
}
