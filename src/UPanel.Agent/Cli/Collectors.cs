using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Cli;

/// <summary>The host and container sources of one command over one set of host files; run, collect and check build them alike.</summary>
internal sealed class Collectors : IDisposable
{
    public Collectors(AgentOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        Files = new HostFiles(options);
        Host = new HostMetricsCollector(Files, loggers.CreateLogger("UPanel.Agent.Collection.Host"));
        Containers = new DockerContainerSource(options, Files, loggers.CreateLogger("UPanel.Agent.Collection.Docker"), time);
    }

    public HostFiles Files { get; }

    public HostMetricsCollector Host { get; }

    public DockerContainerSource Containers { get; }

    public void Dispose()
    {
        Containers.Dispose();
        Files.Dispose();
    }
}
