using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection.Docker.Api;
using UPanel.Agent.Configuration;
using UPanel.Agent.Http;
using UPanel.Contracts;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Every container of the engine at DOCKER_HOST, running or not, with CPU and memory as <c>docker stats</c> shows them.
/// <para>
/// Per heartbeat: one <c>GET /containers/json?all=1</c> (skipped while a <see cref="DockerEventWatcher"/> is connected
/// and has seen no container event since the last list, up to <see cref="MaxListAge"/>: the list costs the engine
/// ≈ 0.1 ms of CPU per container; a <c>GET /_ping</c> then checks that the engine still answers, at most once per
/// <see cref="PingInterval"/> of the source's clock since the engine last answered); inspections only
/// where something changed (<see cref="InspectionCache"/>); CPU and memory of live containers
/// (<see cref="ContainerUsage"/>). The event watcher reaches this source only through <see cref="IContainerEventSink"/>.
/// </para>
/// When the engine cannot be asked, <see cref="CollectAsync"/> returns null within <see cref="DefaultCollectTimeout"/>,
/// <see cref="Status"/> says why and what to do, and the change is logged once. Not meant for concurrent callers
/// (calls are serialised).
/// </summary>
internal sealed class DockerContainerSource : IContainerSource, IContainerEventSink, IDisposable
{
    /// <summary>The whole Docker part of a heartbeat, list + inspections + stats + baseline (the contract says ≤ 5 s).</summary>
    public static readonly TimeSpan DefaultCollectTimeout = TimeSpan.FromSeconds(4);

    public static readonly TimeSpan DefaultCpuBaseline = TimeSpan.FromMilliseconds(250);

    /// <summary>Even with a quiet event stream the list is fetched this often (events can be lost without the stream breaking).</summary>
    public static readonly TimeSpan MaxListAge = TimeSpan.FromMinutes(5);

    /// <summary>
    /// While the list is reused, the engine is pinged when it has not answered for this long: a hung engine (its socket
    /// accepting, nothing answering) is then seen within this time plus the collection's bound, while a dead one closes
    /// the event stream at once. At the default 60 s interval that is every heartbeat; at 5 s, every twelfth
    /// (the <c>_ping</c> was about 0.3 ms of a heartbeat's 1.25 ms of CPU with no containers).
    /// </summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How much sooner than <see cref="PingInterval"/> a collection still pings: on a 60 s grid a heartbeat comes a little
    /// under 60 s after the last ping's answer (the ping's own time, the wake-up's jitter), and would skip it every other time.
    /// </summary>
    private static readonly TimeSpan PingEarly = TimeSpan.FromSeconds(1);

    private const double BytesPerMiB = 1024 * 1024;

    private readonly DockerApiClient _client;
    private readonly InspectionCache _inspections;
    private readonly OomEvidence _oomEvidence = new();
    private readonly ContainerUsage _usage;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _collectTimeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _status = "not checked yet";
    private string? _loggedKind;
    private List<DockerContainerSummary>? _lastList;
    private long _lastListAt;
    private long _lastListAskedAt;
    private DateTimeOffset _lastListWallTime;
    private long _lastAnsweredAt;
    private volatile bool _eventsLive;
    private volatile bool _listStale = true;
    private readonly List<string> _live = [];
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);
    private readonly ContainerNames _names = new();
    private readonly Func<string, DateTimeOffset?> _startedAt;

    public DockerContainerSource(AgentOptions options, IHostFiles hostFiles, ILogger logger, TimeProvider timeProvider)
        : this(options.DockerHost, hostFiles, logger, timeProvider, DefaultCollectTimeout, DefaultCpuBaseline)
    {
    }

    internal DockerContainerSource(
        DockerEndpoint endpoint,
        IHostFiles hostFiles,
        ILogger logger,
        TimeProvider timeProvider,
        TimeSpan collectTimeout,
        TimeSpan cpuBaseline)
    {
        _logger = logger;
        _time = timeProvider;
        _collectTimeout = collectTimeout;
        _inspections = new InspectionCache(logger);
        _usage = new ContainerUsage(hostFiles, logger, timeProvider, cpuBaseline);
        _client = new DockerApiClient(endpoint);
        _startedAt = id => _inspections.Get(id)?.StartedAt;
    }

    /// <summary>"ok", or the kind of problem and its fix ("socket missing: ...", "permission denied: ...",
    /// "not responding: ...", "connection refused: ...", "error: ..."); "not checked yet" before the first collection.
    /// For <c>check</c> and <c>/health</c>.</summary>
    public string Status => Volatile.Read(ref _status);

    public bool IsAvailable => Status == DockerFailure.Ok;

    /// <summary>The socket path (or tcp address) asked.</summary>
    public string Endpoint => _client.Endpoint.Display;

    /// <summary>The negotiated Engine API version, e.g. "1.41"; null until the engine answered.</summary>
    public string? ApiVersion => _client.ApiVersion;

    /// <summary>Where CPU and memory come from, e.g. "cgroup files (v1 cgroupfs)" or "engine stats API".</summary>
    public string StatsSource => _usage.Source;

    public DockerApiClient Client => _client;

    /// <summary>Whether the last collection asked the engine for the list (false: reused, the event stream was quiet).</summary>
    internal bool LastListFromEngine { get; private set; }

    /// <summary>Whether the last collection pinged the engine (it reused the list and the engine had not answered for
    /// <see cref="PingInterval"/>).</summary>
    internal bool LastPinged { get; private set; }

    /// <summary>Full ids inspected by the last collection (to show that unchanged containers are not).</summary>
    internal IReadOnlyCollection<string> LastInspected => _inspections.LastInspected;

    /// <summary>How many containers have an <c>oom</c> event since their last start (to show the evidence is bounded).</summary>
    internal int OomEvidenceCount => _oomEvidence.Count;

    public async Task<IReadOnlyList<ContainerInfo>?> CollectAsync(CancellationToken cancellationToken)
    {
        using var timeout = BlockingReads.NewBound(_collectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var containers = await BlockingReads.Bound(timeout, _collectTimeout, () => CollectSerialisedAsync(linked.Token)).ConfigureAwait(false);
            SetOk();
            return containers;
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

    /// <summary>
    /// While the stream is open and quiet the list is reused; opening or closing forces a fresh list, since events may
    /// have been missed in between, and after a gap every inspection is forgotten too. OOM evidence is forgotten when
    /// the stream closes: a start missed in the gap would otherwise make a later plain exit look like an OOM kill.
    /// </summary>
    public void StreamOpened(bool eventsMayHaveBeenMissed)
    {
        if (eventsMayHaveBeenMissed)
        {
            _inspections.Clear();
            _oomEvidence.Clear();
        }

        _eventsLive = true;
        _listStale = true;
    }

    public void StreamClosed()
    {
        _eventsLive = false;
        _listStale = true;
        _oomEvidence.Clear();
    }

    /// <summary>Forgets a container's inspection and the list, so the next collection asks again.</summary>
    public void ContainerChanged(string containerId)
    {
        _inspections.Forget(containerId);
        _listStale = true;
    }

    /// <summary>The container's next exit is reported as an OOM kill whatever its inspection says (see <see cref="OomEvidence"/>).</summary>
    public void ContainerOomKilled(string containerId) => _oomEvidence.Add(containerId, _time.GetTimestamp());

    /// <summary>A new run: its exit is an OOM kill only if another <c>oom</c> event (or the inspection) says so.</summary>
    public void ContainerStarted(string containerId) => _oomEvidence.Remove(containerId);

    public void Dispose()
    {
        _client.Dispose();
        _gate.Dispose();
    }

    internal static string ShortId(string id) => id.Length > 12 ? id[..12] : id;

    private async Task<IReadOnlyList<ContainerInfo>> CollectSerialisedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await CollectCoreAsync(_client, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<ContainerInfo>> CollectCoreAsync(DockerApiClient client, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        List<DockerContainerSummary> listed;
        LastPinged = false;
        if (_eventsLive && !_listStale && _lastList is { } known && _time.GetElapsedTime(_lastListAt) < MaxListAge)
        {
            // A quiet stream does not prove the engine answers: a hung one would show its last list for minutes. A dead
            // one closes the stream (the list is then asked for), so a ping now and then is enough.
            if (_time.GetElapsedTime(_lastAnsweredAt) >= PingInterval - PingEarly)
            {
                await client.PingAsync(cancellationToken).ConfigureAwait(false);
                _lastAnsweredAt = _time.GetTimestamp();
                LastPinged = true;
            }

            listed = known;
            LastListFromEngine = false;
        }
        else
        {
            // Cleared before asking: an event arriving while the list is in flight marks it stale again.
            _listStale = false;
            _lastListAskedAt = _time.GetTimestamp();
            listed = await client.ListContainersAsync(cancellationToken).ConfigureAwait(false);
            _lastList = listed;
            _lastListAt = _time.GetTimestamp();
            _lastAnsweredAt = _lastListAt;
            _lastListWallTime = _time.GetUtcNow();
            LastListFromEngine = true;
        }

        var now = _time.GetUtcNow();
        // The restart check compares the list's Status text with the cached start, so it uses when the list was made.
        var inspected = await _inspections.RefreshAsync(client, listed, _lastListWallTime, _eventsLive, cancellationToken).ConfigureAwait(false);
        if (inspected.Gone.Count > 0)
        {
            _listStale = true;
        }

        // The working lists are reused (collections are serialised): this runs every heartbeat.
        var live = _live;
        live.Clear();
        foreach (var container in listed)
        {
            if (EngineState.Parse(container.State).IsLive())
            {
                live.Add(container.Id);
            }
        }

        var (usage, viaApi) = await _usage.MeasureAsync(client, live, _startedAt, cancellationToken).ConfigureAwait(false);

        var result = new List<ContainerInfo>(listed.Count);
        var present = _present;
        present.Clear();
        foreach (var container in listed)
        {
            if (inspected.Gone.Contains(container.Id))
            {
                continue;
            }

            present.Add(container.Id);
            var (cpuPercent, memoryBytes) = usage.GetValueOrDefault(container.Id);
            result.Add(ToContainerInfo(container, now, cpuPercent, memoryBytes));
        }

        _inspections.KeepOnly(present);
        _names.KeepOnly(present);
        _oomEvidence.KeepOnly(present, _lastListAskedAt);
        Log.Collected(_logger, result.Count, inspected.Count, viaApi, _time.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private ContainerInfo ToContainerInfo(DockerContainerSummary container, DateTimeOffset now, double cpuPercent, ulong memoryBytes)
    {
        var state = EngineState.Parse(container.State);
        var inspection = _inspections.Get(container.Id);
        long uptime = 0;
        if (state.IsLive() && inspection?.StartedAt is { } startedAt)
        {
            uptime = Math.Max(0, (long)(now - startedAt).TotalSeconds);
        }

        var (shortId, name) = _names.Get(container);
        return new ContainerInfo
        {
            Id = shortId,
            Name = name,
            Image = container.Image ?? string.Empty,
            Status = state.ToWire(),
            Health = (inspection?.Health ?? ContainerStatusText.HealthFromStatus(container.Status)).ToWire(),
            UptimeSeconds = uptime,
            CpuPercent = cpuPercent,
            MemoryMb = (long)(memoryBytes / BytesPerMiB),
            RestartCount = inspection?.RestartCount,
            // An exit code and its time mean something only once the process ended.
            ExitCode = state.HasEnded() ? ContainerStatusText.ExitCodeFromStatus(container.Status) ?? inspection?.ExitCode : null,
            // The engine's flag can miss an OOM kill its own oom event reported (docs/decisions/oom-killed-from-events.md).
            OomKilled = state.HasEnded() && _oomEvidence.Contains(container.Id) ? true : inspection?.OomKilled,
            FinishedAt = state.HasEnded() ? inspection?.FinishedAt : null,
        };
    }

    internal static string NameOf(DockerContainerSummary container)
    {
        // Legacy links add names like "/web/db"; the container's own name has a single leading '/'.
        var names = container.Names;
        var name = names?.FirstOrDefault(n => n.LastIndexOf('/') == 0) ?? names?.FirstOrDefault();
        return name is null ? ShortId(container.Id) : name.TrimStart('/');
    }

    private void SetOk()
    {
        Volatile.Write(ref _status, DockerFailure.Ok);
        if (_loggedKind != DockerFailure.Ok)
        {
            _loggedKind = DockerFailure.Ok;
            Log.DockerAvailable(_logger, Endpoint, ApiVersion, StatsSource);
        }
    }

    private void SetFailure(string status, Exception? exception)
    {
        Volatile.Write(ref _status, status);
        _client.ResetNegotiation();
        _inspections.Clear();
        _lastList = null;
        _listStale = true;
        var kind = DockerFailure.KindOf(status);
        if (_loggedKind != kind)
        {
            _loggedKind = kind;
            // The exception (with stack) only for the unexpected kinds; the known ones are fully said by the status.
            Log.DockerUnavailable(_logger, Endpoint, status, kind == "error" ? exception : null);
        }
    }
}
