using UPanel.Agent.Collection.Docker.Api;

namespace UPanel.Agent.Collection.Docker;

/// <summary>What <see cref="DockerEventWatcher"/> may tell the container source: the stream's state, which container
/// changed, and which one was OOM-killed or started. Nothing else of the source (its caches, its list) is the watcher's
/// business.</summary>
internal interface IContainerEventSink
{
    /// <summary>The engine's API client the stream is read from.</summary>
    DockerApiClient Client { get; }

    /// <summary>The socket path (or tcp address), for log lines.</summary>
    string Endpoint { get; }

    /// <summary>The stream is open; <paramref name="eventsMayHaveBeenMissed"/> after it had been down.</summary>
    void StreamOpened(bool eventsMayHaveBeenMissed);

    void StreamClosed();

    /// <summary>An event said this container (full id) changed.</summary>
    void ContainerChanged(string containerId);

    /// <summary>An <c>oom</c> event: the kernel's OOM killer killed a process of this container (full id).</summary>
    void ContainerOomKilled(string containerId);

    /// <summary>A <c>start</c> or <c>restart</c> event: this container (full id) runs anew.</summary>
    void ContainerStarted(string containerId);
}
