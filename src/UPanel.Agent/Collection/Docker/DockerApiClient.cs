using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using UPanel.Agent.Collection.Docker.Api;
using UPanel.Agent.Http;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// A small Docker Engine API client: the agent's <see cref="Http1Client"/> over a unix socket (or tcp), never through a
/// proxy, and records under <c>Api/</c> that read their own JSON (with <see cref="Wire.JsonFields"/>, no serializer)
/// for the endpoints the agent uses (<c>/_ping</c>, <c>/version</c>, <c>/containers/json</c>, <c>/containers/{id}/json</c>,
/// one-shot <c>/containers/{id}/stats</c>, <c>/events</c>).
/// <para>
/// Why hand-made rather than Docker.DotNet.Enhanced 4.3.3 (+ .Unix): both publish AOT-clean, but measured on this
/// machine with a throwaway AOT program doing the same work (version, list all, inspect each, one-shot stats each,
/// 20 rounds over 13 containers, stats calls concurrent; the baseline already links HttpClient + JSON for the panel;
/// all with the agent's size settings): binary 5.02 MiB baseline, 5.43 MiB hand-made (+0.41 MiB), 10.16 MiB with
/// Docker.DotNet.Enhanced (+5.14 MiB: the total alone breaks the agent's 8 MiB budget); peak RSS 8.1 MiB baseline,
/// 12.7 MiB hand-made, 32.0 MiB with the library; CPU per run about half of the library's.
/// The agent's budget is 8 MiB of binary and 10 MiB of RSS in all, so the library's generated model of the whole API
/// is not worth it for five GETs.
/// </para>
/// <para>
/// API version: the <c>Api-Version</c> header of <c>GET /_ping</c> (and <c>GET /version</c>'s minimum when the engine
/// is newer than this client), then every call is made as <c>/v{min(engine ApiVersion, <see cref="MaxApiVersion"/>)}/...</c>.
/// The records only read fields present from API 1.41 (Docker 20.10, the engine here) through current engines, and
/// nothing is required that a newer engine dropped.
/// </para>
/// Errors surface as exceptions (<see cref="HttpTransportException"/>, <see cref="DockerApiException"/>,
/// <see cref="JsonException"/>); time bounds are the caller's cancellation tokens.
/// </summary>
internal sealed class DockerApiClient : IDisposable
{
    /// <summary>The newest API version whose shapes this client has been checked against.</summary>
    public static readonly Version MaxApiVersion = new(1, 51);

    /// <summary>A container list of a few hundred containers is a few MiB at most; inspect and stats answers are KiBs.</summary>
    private const int MaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>An event is about 1 KiB, more with many container labels.</summary>
    private const int MaxEventLineBytes = 1024 * 1024;

    private readonly Http1Client _http;

    /// <summary>
    /// The connections of the heartbeat loop's thread (<see cref="BlockingReads.Allowed"/>), pooled apart: a connection
    /// that ever waited asynchronously (an inspection or stats call on a thread-pool worker, the event stream) stays
    /// registered with the socket engine's epoll, which then wakes its thread for every later request on it, even one
    /// the loop reads itself (seen with <c>strace -f</c>: two wake-ups per heartbeat for the <c>_ping</c>). The loop's
    /// own requests wait in <c>poll(2)</c> and read on the thread, so its connection is never registered.
    /// </summary>
    private readonly Http1Client _loopHttp;
    private string? _versionPrefix;
    private Uri? _pingUri;

    public DockerApiClient(DockerEndpoint endpoint)
    {
        Endpoint = endpoint;
        // A few kept for the one-shot stats calls that run side by side; the loop's requests are one at a time.
        _http = Pool(maxIdleConnections: 4);
        _loopHttp = Pool(maxIdleConnections: 1);

        Http1Client Pool(int maxIdleConnections) => new(new Http1ClientOptions
        {
            UnixSocketPath = endpoint.SocketPath,
            // Kept across a 60 s heartbeat so a collection does not pay a connect; the engine never closes idle ones.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            MaxIdleConnections = maxIdleConnections,
            MaxResponseBodyBytes = MaxResponseBytes,
        });
    }

    public DockerEndpoint Endpoint { get; }

    /// <summary>The negotiated version ("1.41"), or null before the first successful negotiation.</summary>
    public string? ApiVersion => _versionPrefix is { } prefix ? prefix[2..] : null;

    /// <summary>Forgets the negotiated version, so the next call asks again (after a failure the engine may have changed).</summary>
    public void ResetNegotiation() => _versionPrefix = null;

    public async Task<string> NegotiateAsync(CancellationToken cancellationToken)
    {
        if (_versionPrefix is { } known)
        {
            return known[2..];
        }

        // The ping's Api-Version header, as the docker CLI negotiates: an engine serves its own version, so one no newer
        // than ours needs nothing else. Only a newer engine (or one whose ping does not say) is asked GET /version for its
        // minimum. Podman answers /version by looking up the packages of conmon and the OCI runtime (dpkg-query or rpm):
        // about 1.2 s of its CPU per call here, against milliseconds for a ping, and a negotiation follows every failure.
        var pinged = await PingAsync(cancellationToken).ConfigureAwait(false);
        string chosen;
        if (Version.TryParse(pinged, out var engine) && engine <= MaxApiVersion)
        {
            chosen = ChooseApiVersion(pinged, engineMinApiVersion: null);
        }
        else
        {
            var version = await GetAsync("/version", DockerVersionResponse.Read, cancellationToken).ConfigureAwait(false);
            chosen = ChooseApiVersion(version.ApiVersion, version.MinAPIVersion);
        }

        _versionPrefix = "/v" + chosen;
        return chosen;
    }

    /// <summary>min(engine, ours); an engine too old to say (or saying nonsense) gets 1.24, the oldest with health states.</summary>
    public static string ChooseApiVersion(string? engineApiVersion, string? engineMinApiVersion)
    {
        if (!Version.TryParse(engineApiVersion, out var engine))
        {
            return "1.24";
        }

        var chosen = engine < MaxApiVersion ? engine : MaxApiVersion;
        // An engine that no longer serves our newest version (possible in future) is asked at its own minimum.
        if (Version.TryParse(engineMinApiVersion, out var engineMin) && engineMin > chosen)
        {
            chosen = engineMin;
        }

        return chosen.ToString(2);
    }

    public async Task<List<DockerContainerSummary>> ListContainersAsync(CancellationToken cancellationToken) =>
        await GetVersionedAsync("/containers/json?all=1", DockerContainerSummary.ReadList, cancellationToken).ConfigureAwait(false);

    public async Task<DockerContainerInspect> InspectContainerAsync(string id, CancellationToken cancellationToken) =>
        await GetVersionedAsync($"/containers/{Uri.EscapeDataString(id)}/json",
            DockerContainerInspect.Read, cancellationToken).ConfigureAwait(false);

    /// <summary>One sample without the engine's one-second wait (one-shot, API ≥ 1.41); deltas are the caller's.</summary>
    public async Task<DockerStatsResponse> GetOneShotStatsAsync(string id, CancellationToken cancellationToken) =>
        await GetVersionedAsync($"/containers/{Uri.EscapeDataString(id)}/stats?stream=false&one-shot=true",
            DockerStatsResponse.Read, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The container event stream, one event per line, until the engine closes it or <paramref name="cancellationToken"/>
    /// fires. <paramref name="filtersJson"/> is the engine's <c>filters</c> map, e.g. <c>{"type":["container"]}</c>.
    /// <paramref name="onConnected"/> runs once the engine accepted the subscription (before any event).
    /// </summary>
    public async IAsyncEnumerable<DockerEvent> ReadEventsAsync(
        string filtersJson, Action? onConnected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = "/v" + await NegotiateAsync(cancellationToken).ConfigureAwait(false);
        var path = prefix + "/events?filters=" + Uri.EscapeDataString(filtersJson);
        using var response = await _http.SendAsync(HttpRequest.Get(new Uri(Endpoint.BaseAddress, path)), cancellationToken)
            .ConfigureAwait(false);
        await ThrowIfFailedAsync(response, "/events", cancellationToken).ConfigureAwait(false);
        onConnected?.Invoke();

        // Lines split by hand, each at most MaxEventLineBytes: an endless line (a broken engine, or DOCKER_HOST
        // pointing at another service) ends the stream with an error instead of growing a buffer without bound.
        var buffer = new byte[4096];
        int start = 0, end = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (end - start >= MaxEventLineBytes)
                {
                    throw new HttpTransportException($"GET /events on {Endpoint.Display}: an event line longer than {MaxEventLineBytes / 1024} KiB");
                }

                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    (start, end) = (0, end - start);
                }
                else if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxEventLineBytes));
                }

                var read = await response.Body.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    yield break;
                }

                end += read;
                continue;
            }

            var line = buffer.AsMemory(start, newline);
            start += newline + 1;
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            DockerEvent dockerEvent;
            try
            {
                dockerEvent = DockerEvent.Read(line);
            }
            catch (JsonException)
            {
                // One odd line (a newer engine's shape) does not break the stream.
                continue;
            }

            yield return dockerEvent;
        }
    }

    /// <summary>
    /// <c>GET /_ping</c>: the cheapest call the engine answers (no container store, no JSON), to tell a quiet engine
    /// from a hung one while the list is reused. Returns its <c>Api-Version</c> header (Docker and Podman send it), or null.
    /// </summary>
    public async Task<string?> PingAsync(CancellationToken cancellationToken)
    {
        // Asked while the list is reused (at most once per DockerContainerSource.PingInterval): its address is made once.
        _pingUri ??= new Uri(Endpoint.BaseAddress, "/_ping");
        using var response = await Http.SendAsync(HttpRequest.Get(_pingUri), cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, "/_ping", cancellationToken).ConfigureAwait(false);
        _ = await response.ReadBodyAsync(cancellationToken).ConfigureAwait(false);
        return response.Header("Api-Version");
    }

    public void Dispose()
    {
        _http.Dispose();
        _loopHttp.Dispose();
    }

    /// <summary>The pool for requests made on this thread.</summary>
    private Http1Client Http => BlockingReads.Allowed ? _loopHttp : _http;

    private async Task<T> GetVersionedAsync<T>(string path, Func<ReadOnlyMemory<byte>, T> read, CancellationToken cancellationToken)
    {
        var version = await NegotiateAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync("/v" + version + path, read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><paramref name="read"/> gets the whole body and throws <see cref="JsonException"/> for what it cannot use.</summary>
    private async Task<T> GetAsync<T>(string path, Func<ReadOnlyMemory<byte>, T> read, CancellationToken cancellationToken)
    {
        using var response = await Http.SendAsync(HttpRequest.Get(new Uri(Endpoint.BaseAddress, path)), cancellationToken)
            .ConfigureAwait(false);
        await ThrowIfFailedAsync(response, path, cancellationToken).ConfigureAwait(false);
        return read(await response.ReadBodyAsync(cancellationToken).ConfigureAwait(false));
    }

    private static async Task ThrowIfFailedAsync(HttpResponse response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? message = null;
        try
        {
            var body = await response.ReadBodyAsync(cancellationToken).ConfigureAwait(false);
            message = body.AsSpan().TrimStart(" \t\r\n"u8).StartsWith("{"u8)
                ? DockerErrorResponse.Read(body).Message
                : Encoding.UTF8.GetString(body).Trim();
            if (message is { Length: > 200 })
            {
                message = string.Concat(message.AsSpan(0, 200), "...");
            }
        }
        catch (JsonException)
        {
            // An unreadable error body still leaves the status code to report.
        }

        var shownPath = path.Length > 80 ? path[..80] : path;
        throw new DockerApiException(response.StatusCode, shownPath, message);
    }
}
