namespace UPanel.Agent.Tests.Collection.Docker;

internal static class RealEngine
{
    /// <summary>
    /// The collection bound for tests against a real engine. The agent's own bound (4 s) is tested on fake time against
    /// sockets that hang (<see cref="DegradedDockerTests"/>, <see cref="QuietEventStreamTests"/>); a real engine on a
    /// loaded 2-core CI machine can take longer (Podman's API was seen at over 4 s), which is not what these tests are about.
    /// </summary>
    public static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(60);
}
