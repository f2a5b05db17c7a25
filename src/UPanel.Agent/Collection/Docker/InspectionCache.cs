using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection.Docker.Api;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// What the engine's inspection said about each container (health, start, restarts, exit), so that only containers that
/// are new or changed are inspected: one whose list entry changed state, health or exit code
/// (<see cref="ContainerStatusText.ChangeKey"/>), that restarted since (its "Up …" text is younger than the cached
/// start), that an event invalidated, or, on Podman, whose list hides health, a running one with a health check while
/// the event stream is down.
/// </summary>
internal sealed class InspectionCache(ILogger logger)
{
    /// <summary>Concurrent inspections: enough to hide latency, little enough not to load the engine.</summary>
    public const int ApiConcurrency = 4;

    private readonly ConcurrentDictionary<string, CachedInspection> _inspections = new(StringComparer.Ordinal);

    /// <summary>What <see cref="RefreshAsync"/> returns when nothing was inspected; never written to.</summary>
    private static readonly HashSet<string> NoneGone = new(StringComparer.Ordinal);

    /// <summary>Full ids inspected by the last refresh (to show that unchanged containers are not).</summary>
    public IReadOnlyCollection<string> LastInspected { get; private set; } = [];

    public CachedInspection? Get(string containerId) => _inspections.TryGetValue(containerId, out var cached) ? cached : null;

    public void Forget(string containerId) => _inspections.TryRemove(containerId, out _);

    public void Clear() => _inspections.Clear();

    /// <summary>Forgets every container not in <paramref name="present"/>.</summary>
    public void KeepOnly(HashSet<string> present)
    {
        // Enumerated in place (its Keys property copies them; removing while enumerating is safe): this runs every heartbeat.
        foreach (var (id, _) in _inspections)
        {
            if (!present.Contains(id))
            {
                _inspections.TryRemove(id, out _);
            }
        }
    }

    /// <summary>
    /// Inspects the listed containers that need it. Returns how many were inspected and the ids the engine no longer
    /// knows (removed between list and inspect), which are not to be reported.
    /// </summary>
    public async Task<(int Count, HashSet<string> Gone)> RefreshAsync(
        DockerApiClient client, List<DockerContainerSummary> listed, DateTimeOffset listedAt, bool eventsLive, CancellationToken cancellationToken)
    {
        // No string per container unless it is to be inspected: this runs for every container every heartbeat.
        List<(string Id, string Key)>? toInspect = null;
        foreach (var container in listed)
        {
            if (!_inspections.TryGetValue(container.Id, out var cached)
                || !ContainerStatusText.ChangeKeyEquals(cached.ChangeKey, container.State, container.Status)
                || RestartedSinceInspection(cached, container.Status, listedAt)
                || (!eventsLive && HealthHiddenFromList(cached, container)))
            {
                (toInspect ??= []).Add((container.Id, ContainerStatusText.ChangeKey(container.State, container.Status)));
            }
        }

        if (toInspect is null)
        {
            LastInspected = [];
            return (0, NoneGone);
        }

        var gone = new HashSet<string>(StringComparer.Ordinal);
        LastInspected = toInspect.ConvertAll(item => item.Id);

        var options = new ParallelOptions { MaxDegreeOfParallelism = ApiConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(toInspect, options, async (item, token) =>
        {
            try
            {
                var inspect = await client.InspectContainerAsync(item.Id, token).ConfigureAwait(false);
                _inspections[item.Id] = ToCached(item.Key, inspect);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                // Removed between list and inspect: it is gone, so it is not reported.
                lock (gone)
                {
                    gone.Add(item.Id);
                }
            }
            catch (Exception ex) when (ex is DockerApiException or JsonException)
            {
                // One odd container does not cost the others: it is reported from its list entry alone.
                Log.ContainerStatsFailed(logger, DockerContainerSource.ShortId(item.Id), ex.Message);
            }
        }).ConfigureAwait(false);
        return (toInspect.Count, gone);
    }

    private static bool RestartedSinceInspection(CachedInspection cached, string? status, DateTimeOffset listedAt) =>
        cached.StartedAt is { } startedAt
        && ContainerStatusText.UpTimeUpperBound(status) is { } bound
        && listedAt - startedAt > bound + TimeSpan.FromSeconds(5);

    /// <summary>
    /// Podman's list text carries no health ("Up 5 minutes", where Docker says "Up 5 minutes (healthy)"), so the change
    /// key cannot show a health change: such a running container is inspected each collection unless the event stream
    /// is live (its health_status events invalidate the inspection).
    /// </summary>
    private static bool HealthHiddenFromList(CachedInspection cached, DockerContainerSummary container) =>
        cached.Health != ContainerHealth.None
        && EngineState.Parse(container.State) == ContainerState.Running
        && ContainerStatusText.HealthFromStatus(container.Status) == ContainerHealth.None;

    private static CachedInspection ToCached(string key, DockerContainerInspect inspect)
    {
        var state = inspect.State;
        return new CachedInspection(
            key,
            EngineState.ParseHealth(state?.Health?.Status),
            EngineTime(state?.StartedAt),
            inspect.RestartCount,
            state?.ExitCode ?? 0,
            state?.OomKilled ?? false,
            EngineTime(state?.FinishedAt));
    }

    /// <summary>Null for the engine's zero time ("0001-01-01T00:00:00Z": never happened) and for text that is not a time.</summary>
    private static DateTimeOffset? EngineTime(string? text) =>
        text is not null
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
        && parsed.Year > 1
            ? parsed
            : null;
}
