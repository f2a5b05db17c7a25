using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection.Docker.Api;
using UPanel.Agent.Collection.Docker.Cgroups;
using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Every container of the engine at DOCKER_HOST, running or not, with CPU and memory as <c>docker stats</c> shows them.
/// <para>
/// Per heartbeat: one <c>GET /containers/json?all=1</c> (skipped while a <see cref="DockerEventWatcher"/> is connected
/// and has seen no container event since the last list, up to <see cref="MaxListAge"/>: the list costs the engine
/// ≈ 0.1 ms of CPU per container; a <c>GET /_ping</c> then checks that the engine still answers); an inspection only for containers that are new or whose
/// state/health/exit code changed (or that restarted, see <see cref="ContainerStatusText"/>; the event watcher also
/// invalidates; on Podman, whose list hides health, running containers with a healthcheck while the stream is down);
/// CPU and memory from cgroup files under HOST_SYS (no engine CPU), falling back to one-shot stats through the API
/// (<see cref="StatsApiConcurrency"/> at once) only for containers whose files are not visible.
/// </para>
/// <para>
/// <c>cpu_percent</c> = Δ container CPU ns / Δ wall ns × 100 between this collection and the previous one (100 = one
/// core). A container seen for the first time (agent start, new or restarted container) is sampled twice,
/// <see cref="DefaultCpuBaseline"/> apart, inside the same collection: one short wait for all new containers, so a
/// first heartbeat and <c>collect</c> show real figures instead of 0 (containers on the API fallback show 0 on first
/// sight instead: a second one-shot call would cost another engine tick and its CPU). <c>memory_mb</c> = usage −
/// inactive file cache (v1: memory.usage_in_bytes − total_inactive_file; v2: memory.current − inactive_file), MiB
/// rounded down. A paused container keeps its uptime and memory (its processes still exist); CPU 0.
/// </para>
/// When the engine cannot be asked, <see cref="CollectAsync"/> returns null within <see cref="DefaultCollectTimeout"/>,
/// <see cref="Status"/> says why and what to do, and the change is logged once. Not meant for concurrent callers
/// (calls are serialised).
/// </summary>
internal sealed class DockerContainerSource : IContainerSource, IDisposable
{
    /// <summary>The whole Docker part of a heartbeat, list + inspections + stats + baseline (the contract says ≤ 5 s).</summary>
    public static readonly TimeSpan DefaultCollectTimeout = TimeSpan.FromSeconds(4);

    public static readonly TimeSpan DefaultCpuBaseline = TimeSpan.FromMilliseconds(250);

    /// <summary>Even with a quiet event stream the list is fetched this often (events can be lost without the stream breaking).</summary>
    public static readonly TimeSpan MaxListAge = TimeSpan.FromMinutes(5);

    /// <summary>Concurrent inspections: enough to hide latency, little enough not to load the engine.</summary>
    public const int ApiConcurrency = 4;

    /// <summary>
    /// Concurrent one-shot stats calls (fallback only). Measured here: the engine answers a one-shot call on the next
    /// tick of its once-a-second stats collector, so sequential calls take ≈ 1 s each and 4 at a time would need
    /// N/4 s; calls made together are all answered on the same tick. Engine CPU (≈ 4.6 ms a call) is the same either way.
    /// </summary>
    public const int StatsApiConcurrency = 64;

    private const double BytesPerMiB = 1024 * 1024;

    private readonly DockerApiClient? _client;
    private readonly string? _configError;
    private readonly string _endpointDisplay;
    private readonly CgroupStatsReader _cgroups;
    private readonly IHostFiles _files;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _collectTimeout;
    private readonly TimeSpan _cpuBaseline;
    private readonly ConcurrentDictionary<string, CachedInspection> _inspections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CpuMark> _cpuMarks = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _status = "not checked yet";
    private string? _loggedKind;
    private bool _cgroupNoticeLogged;
    private bool _usedApiStats;
    private List<DockerContainerSummary>? _lastList;
    private long _lastListAt;
    private DateTimeOffset _lastListWallTime;
    private volatile bool _eventsLive;
    private volatile bool _listStale = true;

    public DockerContainerSource(AgentOptions options, IHostFiles hostFiles, ILogger logger, TimeProvider timeProvider)
        : this(options.DockerHost, hostFiles, logger, timeProvider, DefaultCollectTimeout, DefaultCpuBaseline)
    {
    }

    internal DockerContainerSource(
        string dockerHost,
        IHostFiles hostFiles,
        ILogger logger,
        TimeProvider timeProvider,
        TimeSpan collectTimeout,
        TimeSpan cpuBaseline)
    {
        _files = hostFiles;
        _logger = logger;
        _time = timeProvider;
        _collectTimeout = collectTimeout;
        _cpuBaseline = cpuBaseline;
        _cgroups = new CgroupStatsReader(hostFiles);
        if (DockerEndpoint.TryParse(dockerHost, out var endpoint, out var error))
        {
            _client = new DockerApiClient(endpoint!);
            _endpointDisplay = endpoint!.Display;
        }
        else
        {
            _configError = "invalid DOCKER_HOST: " + error;
            _endpointDisplay = "(invalid DOCKER_HOST)";
        }
    }

    /// <summary>"ok", or the kind of problem and its fix ("socket missing: ...", "permission denied: ...",
    /// "not responding: ...", "connection refused: ...", "error: ..."); "not checked yet" before the first collection.
    /// For <c>check</c> and <c>/health</c>.</summary>
    public string Status => Volatile.Read(ref _status);

    public bool IsAvailable => Status == DockerFailure.Ok;

    /// <summary>The socket path (or tcp address) asked.</summary>
    public string Endpoint => _endpointDisplay;

    /// <summary>The negotiated Engine API version, e.g. "1.41"; null until the engine answered.</summary>
    public string? ApiVersion => _client?.ApiVersion;

    /// <summary>Where CPU and memory come from, e.g. "cgroup files (v1 cgroupfs)" or "engine stats API".</summary>
    public string StatsSource => _cgroups.Layout is { } layout
        ? $"cgroup files ({layout.Name})"
        : _usedApiStats ? "engine stats API (cgroup files not visible under HOST_SYS)" : "not known yet (no running container)";

    internal DockerApiClient? Client => _client;

    /// <summary>Whether the last collection asked the engine for the list (false: reused, the event stream was quiet).</summary>
    internal bool LastListFromEngine { get; private set; }

    /// <summary>Full ids inspected by the last collection (to show that unchanged containers are not).</summary>
    internal IReadOnlyCollection<string> LastInspected { get; private set; } = [];

    public async Task<IReadOnlyList<ContainerInfo>?> CollectAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            SetFailure(_configError!, exception: null);
            return null;
        }

        using var timeout = new CancellationTokenSource(_collectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _gate.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                var containers = await CollectCoreAsync(_client, linked.Token).ConfigureAwait(false);
                SetOk();
                return containers;
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            SetFailure(DockerFailure.NotResponding(_client.Endpoint, _collectTimeout), exception: null);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SetFailure(DockerFailure.Describe(ex, _client.Endpoint), ex);
            return null;
        }
    }

    /// <summary>Forgets a container's inspection and the list, so the next collection asks again (called on its events).</summary>
    public void Invalidate(string containerId)
    {
        _inspections.TryRemove(containerId, out _);
        _listStale = true;
    }

    /// <summary>Forgets every inspection and the list (after the event stream was down and events may have been missed).</summary>
    public void InvalidateAll()
    {
        _inspections.Clear();
        _listStale = true;
    }

    /// <summary>
    /// Called by the event watcher when its stream opens (true) or breaks (false). While it is open and quiet the
    /// list is reused; either change forces a fresh list, since events may have been missed in between.
    /// </summary>
    internal void SetEventStreamLive(bool live)
    {
        _eventsLive = live;
        _listStale = true;
    }

    public void Dispose()
    {
        _client?.Dispose();
        _gate.Dispose();
    }

    private async Task<IReadOnlyList<ContainerInfo>> CollectCoreAsync(DockerApiClient client, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        List<DockerContainerSummary> listed;
        if (_eventsLive && !_listStale && _lastList is { } known && _time.GetElapsedTime(_lastListAt) < MaxListAge)
        {
            // A quiet stream does not prove the engine answers: a hung one would show its last list for minutes.
            await client.PingAsync(cancellationToken).ConfigureAwait(false);
            listed = known;
            LastListFromEngine = false;
        }
        else
        {
            // Cleared before asking: an event arriving while the list is in flight marks it stale again.
            _listStale = false;
            listed = await client.ListContainersAsync(cancellationToken).ConfigureAwait(false);
            _lastList = listed;
            _lastListAt = _time.GetTimestamp();
            _lastListWallTime = _time.GetUtcNow();
            LastListFromEngine = true;
        }

        var now = _time.GetUtcNow();
        // The restart check compares the list's Status text with the cached start, so it uses when the list was made.
        var inspected = await InspectChangedAsync(client, listed, _lastListWallTime, cancellationToken).ConfigureAwait(false);
        if (inspected.Gone.Count > 0)
        {
            _listStale = true;
        }

        // CPU and memory of every container with live processes (a paused one keeps its memory; its CPU delta is 0).
        var live = listed.Where(c => c.State is "running" or "paused").Select(c => c.Id).ToList();
        var samples = await SampleAsync(client, live, cancellationToken).ConfigureAwait(false);
        var apiStats = samples.Count(s => s.Value.ViaApi);

        var fresh = samples.Where(s => !s.Value.ViaApi && !TryGetMark(s.Key, s.Value.Sample, out _)).Select(s => s.Key).ToList();
        if (fresh.Count > 0 && _cpuBaseline > TimeSpan.Zero)
        {
            foreach (var id in fresh)
            {
                _cpuMarks[id] = new CpuMark(samples[id].Sample.CpuNanoseconds, samples[id].Timestamp, StartedAtOf(id));
            }

            await Task.Delay(_cpuBaseline, _time, cancellationToken).ConfigureAwait(false);
            foreach (var (id, resampled) in await SampleAsync(client, fresh, cancellationToken).ConfigureAwait(false))
            {
                samples[id] = resampled;
            }
        }

        var result = new List<ContainerInfo>(listed.Count);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in listed)
        {
            if (inspected.Gone.Contains(container.Id))
            {
                continue;
            }

            present.Add(container.Id);
            double cpuPercent = 0;
            ulong memoryBytes = 0;
            if (samples.TryGetValue(container.Id, out var current))
            {
                memoryBytes = current.Sample.MemoryBytes;
                if (TryGetMark(container.Id, current.Sample, out var mark))
                {
                    var wallNs = _time.GetElapsedTime(mark.Timestamp, current.Timestamp).Ticks * 100.0;
                    cpuPercent = wallNs > 0 ? Math.Round((current.Sample.CpuNanoseconds - mark.CpuNanoseconds) / wallNs * 100, 2) : 0;
                }

                _cpuMarks[container.Id] = new CpuMark(current.Sample.CpuNanoseconds, current.Timestamp, StartedAtOf(container.Id));
            }
            else
            {
                // Not running: the next start is a fresh cgroup, measured from its own baseline.
                _cpuMarks.Remove(container.Id);
            }

            result.Add(ToContainerInfo(container, now, cpuPercent, memoryBytes));
        }

        foreach (var id in _cpuMarks.Keys.Where(id => !present.Contains(id)).ToList())
        {
            _cpuMarks.Remove(id);
        }

        foreach (var id in _inspections.Keys.Where(id => !present.Contains(id)).ToList())
        {
            _inspections.TryRemove(id, out _);
        }

        if (apiStats > 0)
        {
            _usedApiStats = true;
            if (!_cgroupNoticeLogged && _cgroups.Layout is null)
            {
                _cgroupNoticeLogged = true;
                Log.CgroupFilesNotVisible(_logger, _files.PathOf(HostRootKind.Sys, "fs/cgroup"));
            }
        }

        Log.Collected(_logger, result.Count, inspected.Count, apiStats, _time.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private async Task<(int Count, HashSet<string> Gone)> InspectChangedAsync(
        DockerApiClient client, List<DockerContainerSummary> listed, DateTimeOffset listedAt, CancellationToken cancellationToken)
    {
        var toInspect = new List<(string Id, string Key)>();
        foreach (var container in listed)
        {
            var key = ContainerStatusText.ChangeKey(container.State, container.Status);
            if (!_inspections.TryGetValue(container.Id, out var cached) || cached.ChangeKey != key
                || RestartedSinceInspection(cached, container.Status, listedAt)
                || HealthHiddenFromList(cached, container))
            {
                toInspect.Add((container.Id, key));
            }
        }

        var gone = new HashSet<string>(StringComparer.Ordinal);
        LastInspected = toInspect.ConvertAll(item => item.Id);
        if (toInspect.Count == 0)
        {
            return (0, gone);
        }

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
                Log.ContainerStatsFailed(_logger, ShortId(item.Id), ex.Message);
            }
        }).ConfigureAwait(false);
        return (toInspect.Count, gone);
    }

    private async Task<Dictionary<string, (ContainerResourceSample Sample, long Timestamp, bool ViaApi)>> SampleAsync(
        DockerApiClient client, List<string> ids, CancellationToken cancellationToken)
    {
        var samples = new Dictionary<string, (ContainerResourceSample, long, bool)>(ids.Count, StringComparer.Ordinal);
        List<string>? viaApi = null;
        foreach (var id in ids)
        {
            if (_cgroups.TryRead(id) is { } sample)
            {
                samples[id] = (sample, _time.GetTimestamp(), false);
            }
            else
            {
                (viaApi ??= []).Add(id);
            }
        }

        if (viaApi is null)
        {
            return samples;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = StatsApiConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(viaApi, options, async (id, token) =>
        {
            try
            {
                var stats = await client.GetOneShotStatsAsync(id, token).ConfigureAwait(false);
                var timestamp = _time.GetTimestamp();
                if (stats.CpuStats?.CpuUsage is { } cpu && stats.MemoryStats is { } memory)
                {
                    var cache = memory.Stats is null ? null
                        : memory.Stats.TryGetValue("total_inactive_file", out var total) ? total
                        : memory.Stats.TryGetValue("inactive_file", out var inactive) ? inactive : (ulong?)null;
                    var sample = new ContainerResourceSample(cpu.TotalUsage, ContainerResourceSample.MemoryWithoutCache(memory.Usage, cache));
                    lock (samples)
                    {
                        samples[id] = (sample, timestamp, true);
                    }
                }
            }
            catch (Exception ex) when (ex is DockerApiException or JsonException)
            {
                // Stopped or removed meanwhile (the engine then sends an empty body): no figures for this one only.
                Log.ContainerStatsFailed(_logger, ShortId(id), ex.Message);
            }
        }).ConfigureAwait(false);
        return samples;
    }

    /// <summary>The previous sample to take a CPU delta from, unless the container restarted since (or was never seen).</summary>
    private bool TryGetMark(string id, ContainerResourceSample sample, out CpuMark mark) =>
        _cpuMarks.TryGetValue(id, out mark)
        && sample.CpuNanoseconds >= mark.CpuNanoseconds
        && mark.StartedAt == StartedAtOf(id);

    private DateTimeOffset? StartedAtOf(string id) => _inspections.TryGetValue(id, out var inspection) ? inspection.StartedAt : null;

    private static bool RestartedSinceInspection(CachedInspection cached, string? status, DateTimeOffset listedAt) =>
        cached.StartedAt is { } startedAt
        && ContainerStatusText.UpTimeUpperBound(status) is { } bound
        && listedAt - startedAt > bound + TimeSpan.FromSeconds(5);

    /// <summary>
    /// Podman's list text carries no health ("Up 5 minutes", where Docker says "Up 5 minutes (healthy)"), so the change
    /// key cannot show a health change: such a running container is inspected each collection, unless the event stream
    /// is live (its health_status events invalidate the inspection).
    /// </summary>
    private bool HealthHiddenFromList(CachedInspection cached, DockerContainerSummary container) =>
        !_eventsLive
        && cached.Health != "none"
        && container.State == "running"
        && ContainerStatusText.HealthFromStatus(container.Status) == "none";

    private static CachedInspection ToCached(string key, DockerContainerInspect inspect)
    {
        var state = inspect.State;
        return new CachedInspection(
            key,
            state?.Health?.Status is { Length: > 0 } health ? health : "none",
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

    private ContainerInfo ToContainerInfo(DockerContainerSummary container, DateTimeOffset now, double cpuPercent, ulong memoryBytes)
    {
        var state = EngineState.ToDockerState(container.State);
        _inspections.TryGetValue(container.Id, out var inspection);
        var live = state is "running" or "paused";
        long uptime = 0;
        if (live && inspection?.StartedAt is { } startedAt)
        {
            uptime = Math.Max(0, (long)(now - startedAt).TotalSeconds);
        }

        return new ContainerInfo
        {
            Id = ShortId(container.Id),
            Name = NameOf(container),
            Image = container.Image ?? string.Empty,
            Status = state,
            Health = inspection?.Health ?? ContainerStatusText.HealthFromStatus(container.Status),
            UptimeSeconds = uptime,
            CpuPercent = cpuPercent,
            MemoryMb = (long)(memoryBytes / BytesPerMiB),
            RestartCount = inspection?.RestartCount,
            // An exit code and its time mean something only once the process ended.
            ExitCode = Ended(state) ? ContainerStatusText.ExitCodeFromStatus(container.Status) ?? inspection?.ExitCode : null,
            OomKilled = inspection?.OomKilled,
            FinishedAt = Ended(state) ? inspection?.FinishedAt : null,
        };
    }

    private static bool Ended(string state) => state is "exited" or "dead" or "restarting";

    private static string NameOf(DockerContainerSummary container)
    {
        // Legacy links add names like "/web/db"; the container's own name has a single leading '/'.
        var names = container.Names;
        var name = names?.FirstOrDefault(n => n.LastIndexOf('/') == 0) ?? names?.FirstOrDefault();
        return name is null ? ShortId(container.Id) : name.TrimStart('/');
    }

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;

    private void SetOk()
    {
        Volatile.Write(ref _status, DockerFailure.Ok);
        if (_loggedKind != DockerFailure.Ok)
        {
            _loggedKind = DockerFailure.Ok;
            Log.DockerAvailable(_logger, _endpointDisplay, ApiVersion, StatsSource);
        }
    }

    private void SetFailure(string status, Exception? exception)
    {
        Volatile.Write(ref _status, status);
        _client?.ResetNegotiation();
        _inspections.Clear();
        _lastList = null;
        _listStale = true;
        var kind = DockerFailure.KindOf(status);
        if (_loggedKind != kind)
        {
            _loggedKind = kind;
            // The exception (with stack) only for the unexpected kinds; the known ones are fully said by the status.
            Log.DockerUnavailable(_logger, _endpointDisplay, status, kind == "error" ? exception : null);
        }
    }
}
