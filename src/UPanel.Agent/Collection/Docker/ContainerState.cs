namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// A container's state in Docker's words (DESIGN.md: running, exited, paused, restarting, created, dead; and removing),
/// parsed once from what an engine says (<see cref="EngineState"/>) and written as the heartbeat's <c>status</c>.
/// </summary>
internal enum ContainerState
{
    Unknown,
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

/// <summary>A container's health-check result, written as the heartbeat's <c>health</c>; None without a health check.</summary>
internal enum ContainerHealth
{
    None,
    Starting,
    Healthy,
    Unhealthy,
}
