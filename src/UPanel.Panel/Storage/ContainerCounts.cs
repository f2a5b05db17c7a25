using UPanel.Contracts;

namespace UPanel.Panel.Storage;

/// <summary>
/// How many of a heartbeat's containers need a look, as a list of servers shows them: counted at ingest and kept with the
/// server's latest state, so a list does not read every server's containers.
/// </summary>
internal readonly record struct ContainerCounts(int Unhealthy, int Exited, int Restarting)
{
    /// <summary>All zero when Docker could not be asked (<paramref name="containers"/> null).</summary>
    public static ContainerCounts Of(IReadOnlyList<ContainerInfo>? containers) => containers is null
        ? default
        : new(
            containers.Count(c => c.Health == "unhealthy"),
            containers.Count(c => c.Status is "exited" or "dead"),
            containers.Count(c => c.Status == "restarting"));
}
