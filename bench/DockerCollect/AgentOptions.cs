using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Stand-in for the agent's options, which the collectors' convenience constructors take: the benchmark compiles only
/// the collection sources, not the configuration code and what it depends on.
/// </summary>
internal sealed class AgentOptions
{
    public string HostProc { get; set; } = "/proc";

    public string HostSys { get; set; } = "/sys";

    public string HostRoot { get; set; } = "/";

    public DockerEndpoint DockerHost { get; set; } = DockerEndpoint.Default;
}
