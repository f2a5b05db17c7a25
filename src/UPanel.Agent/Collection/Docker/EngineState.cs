namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// The one place where an engine's words become <see cref="ContainerState"/> and <see cref="ContainerHealth"/>, and
/// where those become the heartbeat's. Podman's Docker-compatible API passes some of libpod's own states through:
/// <c>stopped</c> for a container that has exited but is not cleaned up yet (seen right after a container dies),
/// <c>configured</c> and <c>initialized</c> for one that was created but never started. A word no engine is known to
/// send is "unknown" on the wire rather than passed on unchecked.
/// </summary>
internal static class EngineState
{
    public static ContainerState Parse(string? state) => state switch
    {
        "running" => ContainerState.Running,
        "paused" => ContainerState.Paused,
        "restarting" => ContainerState.Restarting,
        "created" or "configured" or "initialized" => ContainerState.Created,
        "removing" => ContainerState.Removing,
        "exited" or "stopped" => ContainerState.Exited,
        "dead" => ContainerState.Dead,
        _ => ContainerState.Unknown,
    };

    /// <summary><c>State.Health.Status</c> of an inspection; anything but the three results (or no health check) is None.</summary>
    public static ContainerHealth ParseHealth(string? health) => health switch
    {
        "starting" => ContainerHealth.Starting,
        "healthy" => ContainerHealth.Healthy,
        "unhealthy" => ContainerHealth.Unhealthy,
        _ => ContainerHealth.None,
    };

    public static string ToWire(this ContainerState state) => state switch
    {
        ContainerState.Created => "created",
        ContainerState.Running => "running",
        ContainerState.Paused => "paused",
        ContainerState.Restarting => "restarting",
        ContainerState.Removing => "removing",
        ContainerState.Exited => "exited",
        ContainerState.Dead => "dead",
        _ => "unknown",
    };

    public static string ToWire(this ContainerHealth health) => health switch
    {
        ContainerHealth.Starting => "starting",
        ContainerHealth.Healthy => "healthy",
        ContainerHealth.Unhealthy => "unhealthy",
        _ => "none",
    };

    /// <summary>Its processes exist (a paused container keeps its memory): it has CPU and memory figures and an uptime.</summary>
    public static bool IsLive(this ContainerState state) => state is ContainerState.Running or ContainerState.Paused;

    /// <summary>Its process ended, so an exit code and a finish time mean something.</summary>
    public static bool HasEnded(this ContainerState state) => state is ContainerState.Exited or ContainerState.Dead or ContainerState.Restarting;
}
