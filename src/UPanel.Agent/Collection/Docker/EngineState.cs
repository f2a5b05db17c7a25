namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// The one place where an engine's container state becomes the heartbeat's <c>status</c>, which is Docker's word
/// (running, exited, paused, restarting, created, dead: DESIGN.md). Podman's Docker-compatible API passes some of
/// libpod's own states through: <c>stopped</c> for a container that has exited but is not cleaned up yet (seen right
/// after a container dies), <c>configured</c> and <c>initialized</c> for one that was created but never started.
/// </summary>
internal static class EngineState
{
    public static string ToDockerState(string? state) => state switch
    {
        null or "" => "unknown",
        "stopped" => "exited",
        "configured" or "initialized" => "created",
        _ => state,
    };
}
