using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Follows the engine's container event stream (<c>GET /events</c>) so a container that dies, is OOM-killed, changes
/// health, starts, is paused or removed is reported at once instead of up to a heartbeat interval later: each such
/// event invalidates the source's cached inspection of that container (and its list) and invokes <c>onChange</c> (the
/// reporter's RequestHeartbeat, which debounces). While the stream is open and quiet, the source reuses its container
/// list instead of asking the engine each heartbeat. When the stream breaks or cannot be opened it reconnects with exponential
/// backoff (1 s doubling to 60 s, full jitter; back to 1 s once a stream stayed up for <see cref="StableAfter"/>), and
/// after a reconnect forgets all inspections and asks for a heartbeat, since events may have been missed. An <c>oom</c>
/// event is also evidence for the container's next exit, until a <c>start</c> (<see cref="OomEvidence"/>). Runs until
/// <see cref="RunAsync"/>'s token is cancelled.
/// </summary>
internal sealed class DockerEventWatcher(IContainerEventSink source, Action onChange, ILogger logger, TimeProvider timeProvider)
{
    /// <summary>The engine's filter: container events that change what a heartbeat shows. health_status is matched as a
    /// prefix by the engine ("health_status: unhealthy"); exec_* events are deliberately not asked for. Podman (4.3)
    /// matches its own names: "died" (its stream still says "die") and "remove" (Docker's "destroy"); each engine
    /// ignores the other's names.</summary>
    public const string Filters =
        """{"type":["container"],"event":["create","start","restart","die","died","oom","kill","stop","destroy","remove","pause","unpause","rename","health_status"]}""";

    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    /// <summary>A stream that lasted this long resets the backoff (one that opens and closes at once keeps growing it).</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(30);

    private volatile bool _connected;

    /// <summary>True while the stream is open.</summary>
    public bool IsConnected
    {
        get => _connected;
        private set => _connected = value;
    }

    /// <summary>Follows the stream until cancelled; never throws except <see cref="OperationCanceledException"/> on cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var client = source.Client;
        var backoff = InitialBackoff;
        string? loggedFailure = null;
        var everConnected = false;
        long connectedAt = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string failure;
            try
            {
                void OnConnected()
                {
                    connectedAt = timeProvider.GetTimestamp();
                    loggedFailure = null;
                    MarkConnected(everConnected);
                    everConnected = true;
                }

                await foreach (var dockerEvent in client.ReadEventsAsync(Filters, OnConnected, cancellationToken).ConfigureAwait(false))
                {
                    Handle(dockerEvent);
                }

                failure = "the engine closed the stream";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                IsConnected = false;
                source.StreamClosed();
                throw;
            }
            catch (Exception ex)
            {
                failure = DockerFailure.Describe(ex, client.Endpoint);
            }

            if (IsConnected && timeProvider.GetElapsedTime(connectedAt) >= StableAfter)
            {
                backoff = InitialBackoff;
            }

            IsConnected = false;
            source.StreamClosed();
            var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds);
            if (loggedFailure != DockerFailure.KindOf(failure))
            {
                loggedFailure = DockerFailure.KindOf(failure);
                Log.EventStreamBroken(logger, failure, delay.TotalSeconds);
            }

            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private void MarkConnected(bool reconnect)
    {
        IsConnected = true;
        // Whatever happened while the stream was down is unknown: after a gap the source re-inspects everything.
        source.StreamOpened(eventsMayHaveBeenMissed: reconnect);
        Log.EventStreamConnected(logger, source.Endpoint);
        if (reconnect)
        {
            onChange();
        }
    }

    private void Handle(Api.DockerEvent dockerEvent)
    {
        if (dockerEvent.Type != "container" || dockerEvent.Actor?.ID is not { Length: > 0 } id)
        {
            return;
        }

        var action = dockerEvent.Action ?? string.Empty;
        Log.EventReceived(logger, action, id.Length > 12 ? id[..12] : id);
        switch (action)
        {
            case "oom":
                source.ContainerOomKilled(id);
                break;
            case "start" or "restart":
                source.ContainerStarted(id);
                break;
        }

        source.ContainerChanged(id);
        onChange();
    }
}
