using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UPanel.Agent.Http;

/// <summary>
/// A small HTTP/1.1 client for the agent's few kinds of request (heartbeat and registration POSTs, Docker Engine GETs,
/// the /health probe), instead of HttpClient: System.Net.Http was about 1 MB of the published binary and 1.2 MiB of the
/// agent's RSS (bench/footprint.sh; docs/decisions/own-http-client.md). Keeps idle connections for reuse; a request
/// that fails on a reused connection before any byte of the answer arrived (the server closed it meanwhile) is sent
/// once more on a fresh one.
/// Redirects are not followed (a POST turned into a GET, or a bearer token sent to another host, helps nobody), nothing
/// is compressed, and a response body is read only up to <see cref="Http1ClientOptions.MaxResponseBodyBytes"/>.
/// Thread-safe; each response holds its connection until it is read to the end or disposed.
/// </summary>
internal sealed class Http1Client : IDisposable
{
    private readonly Http1ClientOptions _options;
    private readonly Lock _gate = new();
    private readonly List<HttpConnection> _idle = [];
    private bool _disposed;

    public Http1Client(Http1ClientOptions? options = null)
    {
        _options = options ?? new Http1ClientOptions();
    }

    /// <summary>Sends the request and reads the response head; the caller reads or streams the body, then disposes it.</summary>
    public async Task<HttpResponse> SendAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var uri = request.Uri;
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Only absolute http and https URLs can be requested.", nameof(request));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var operation = Describe(request.Method, uri);
        var route = _options.UnixSocketPath is null ? _options.Proxy?.RouteFor(uri) : null;
        if (route?.Error is { } proxyError)
        {
            throw new HttpTransportException($"{operation}: {proxyError}");
        }

        var bytes = Serialize(request, route);
        var poolKey = $"{uri.Scheme}://{HostHeaderOf(uri)}{(route is null ? "" : " via " + route.Display)}";
        var pooled = await TakeIdleAsync(poolKey, uri, route, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var connection = pooled
                ?? await HttpConnector.ConnectAsync(_options, uri, route, poolKey, operation, cancellationToken).ConfigureAwait(false);
            try
            {
                await connection.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                HttpResponseHead head;
                var interimBytes = 0;
                while (true)
                {
                    var raw = await connection.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                    head = HttpResponseHeadParser.Parse(raw.Span);
                    if (head.StatusCode is not (>= 100 and < 200) || head.StatusCode == 101)
                    {
                        break;
                    }

                    // Interim heads count against one head's bound: endless "100 Continue" would keep the agent
                    // reading for its whole timeout on every attempt.
                    interimBytes += raw.Length;
                    if (interimBytes > HttpConnection.MaxHeadBytes)
                    {
                        throw new FormatException($"interim (1xx) response heads larger than {HttpConnection.MaxHeadBytes / 1024} KiB in all");
                    }
                }

                return new HttpResponse(head, connection, operation, _options.MaxResponseBodyBytes, Return);
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or ObjectDisposedException)
            {
                connection.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                if (pooled is not null && !connection.ReceivedSinceWrite)
                {
                    // Closed by the server while idle: once more, on a fresh connection. Safe only because every request the
                    // agent makes is idempotent (docs/decisions/idempotent-resend.md).
                    pooled = null;
                    continue;
                }

                if (PlainToTls(connection, uri, route, fresh: pooled is null, e) is { } mistake)
                {
                    throw new HttpTransportException($"{operation}: {mistake}", e) { NamesFix = connection.AnsweredInTls };
                }

                throw new HttpTransportException($"{operation}: {(e is FormatException ? e.Message : "connection failed (" + Innermost(e) + ")")}", e);
            }
            catch (OperationCanceledException)
            {
                connection.Dispose();
                throw;
            }
        }
    }

    public void Dispose()
    {
        List<HttpConnection> idle;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (var connection in idle)
        {
            connection.Dispose();
        }
    }

    /// <summary>"host" or "host:port" (the port only when not the scheme's default), IPv6 in brackets.</summary>
    internal static string HostHeaderOf(Uri uri) => uri.IsDefaultPort ? HostOf(uri) : $"{HostOf(uri)}:{uri.Port}";

    internal static string HostOf(Uri uri) => uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;

    /// <summary>The innermost cause's message: the socket error ("Connection reset by peer") rather than its wrappers.</summary>
    internal static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    /// <summary>
    /// What a server that speaks only TLS does with a plain request, on a new connection straight to it: it answers with
    /// a TLS record (an alert), or, as OpenSSL and .NET servers do, closes without a word. The first is certain; the
    /// second gets a hint only with a URL setting to name. Null: neither.
    /// </summary>
    private string? PlainToTls(HttpConnection connection, Uri uri, HttpProxyRoute? route, bool fresh, Exception error)
    {
        if (!fresh || route is not null || _options.UnixSocketPath is not null || uri.Scheme != Uri.UriSchemeHttp)
        {
            return null;
        }

        var address = $"{HostOf(uri)}:{uri.Port}";
        if (connection.AnsweredInTls)
        {
            return $"the server at {address} answered in TLS, not plain HTTP" + (_options.UrlSetting is { } https ? $": use https:// in {https}" : "");
        }

        return !connection.ReceivedSinceWrite && _options.UrlSetting is { } setting
            ? $"the server at {address} closed the connection without answering{(error is FormatException ? "" : $" ({Innermost(error)})")}: if that port serves https (a TLS-only server closes "
                + $"on a plain HTTP request), use https:// in {setting}"
            : null;
    }

    /// <summary>"POST https://panel.example/api/agent/heartbeat": no user info, no query (nothing secret rides along).</summary>
    private string Describe(string method, Uri uri) => _options.UnixSocketPath is { } socket
        ? $"{method} {uri.AbsolutePath} on unix://{socket}"
        : $"{method} {uri.Scheme}://{HostHeaderOf(uri)}{uri.AbsolutePath}";

    private static byte[] Serialize(HttpRequest request, HttpProxyRoute? route)
    {
        CheckHeaderValue(request.Method, "method", token: true);
        CheckHeaderValue(request.Authorization, "Authorization", token: false);
        CheckHeaderValue(request.ContentType, "Content-Type", token: false);
        CheckHeaderValue(request.Accept, "Accept", token: false);
        var uri = request.Uri;

        // Through a proxy, plain http names the whole URL (absolute-form); https went through a CONNECT tunnel.
        var target = route is not null && uri.Scheme == Uri.UriSchemeHttp
            ? $"http://{HostHeaderOf(uri)}{uri.PathAndQuery}"
            : uri.PathAndQuery;
        var head = new StringBuilder(256)
            .Append(request.Method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(HostHeaderOf(uri)).Append("\r\n")
            .Append("User-Agent: upanel-agent/").Append(AgentInfo.Version).Append("\r\n");
        if (request.Accept is { } accept)
        {
            head.Append("Accept: ").Append(accept).Append("\r\n");
        }

        if (request.Authorization is { } authorization)
        {
            head.Append("Authorization: ").Append(authorization).Append("\r\n");
        }

        if (route is not null && uri.Scheme == Uri.UriSchemeHttp && route.Authorization is { } proxyAuthorization)
        {
            head.Append("Proxy-Authorization: ").Append(proxyAuthorization).Append("\r\n");
        }

        if (request.Body is { } body)
        {
            if (request.ContentType is { } contentType)
            {
                head.Append("Content-Type: ").Append(contentType).Append("\r\n");
            }

            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }

        head.Append("\r\n");
        var headLength = Encoding.ASCII.GetByteCount(head.ToString());
        var bytes = new byte[headLength + (request.Body?.Length ?? 0)];
        Encoding.ASCII.GetBytes(head.ToString(), bytes);
        request.Body?.CopyTo(bytes, headLength);
        return bytes;
    }

    /// <summary>Visible ASCII (and spaces, except in a method): anything else would be a header-injection or encoding error.</summary>
    private static void CheckHeaderValue(string? value, string name, bool token)
    {
        foreach (var c in value ?? "")
        {
            if (c is < ' ' or > '~' || (token && c == ' '))
            {
                throw new ArgumentException($"The {name} contains a character not allowed in an HTTP header.", nameof(value));
            }
        }
    }

    private async ValueTask<HttpConnection?> TakeIdleAsync(string poolKey, Uri uri, HttpProxyRoute? route, CancellationToken cancellationToken)
    {
        while (true)
        {
            HttpConnection? candidate = null;
            lock (_gate)
            {
                for (var i = _idle.Count - 1; i >= 0; i--)
                {
                    if (_idle[i].PoolKey == poolKey)
                    {
                        candidate = _idle[i];
                        _idle.RemoveAt(i);
                        break;
                    }
                }
            }

            if (candidate is null)
            {
                return null;
            }

            // The heartbeat loop's thread replaces a connection another thread made (its first heartbeat may have been
            // sent from a worker, when the sample waited asynchronously): that one may be registered with the socket
            // engine's epoll, which then wakes once for every answer (docs/decisions/https-heartbeat-cost.md).
            if (!IdleTooLong(candidate)
                && (candidate.MadeOnBlockingThread || !HttpConnector.ConnectsOnThisThread(_options, route))
                && (!LifetimeOver(candidate) || await LifetimeRenewedAsync(candidate, uri, route, cancellationToken).ConfigureAwait(false))
                && candidate.LooksIdle)
            {
                candidate.IdleSinceTimestamp = 0;
                return candidate;
            }

            candidate.Dispose();
        }
    }

    private void Return(HttpConnection connection, bool reusable)
    {
        var toClose = connection;
        if (reusable && !IdleTooLong(connection))
        {
            connection.IdleSinceTimestamp = _options.Time.GetTimestamp();
            lock (_gate)
            {
                if (!_disposed)
                {
                    _idle.Add(connection);
                    toClose = null;
                    if (_idle.Count > _options.MaxIdleConnections)
                    {
                        toClose = _idle[0];
                        _idle.RemoveAt(0);
                    }
                }
            }
        }

        toClose?.Dispose();
    }

    private bool LifetimeOver(HttpConnection connection) =>
        _options.PooledConnectionLifetime is { } lifetime && _options.Time.GetElapsedTime(connection.CreatedTimestamp) >= lifetime;

    private bool IdleTooLong(HttpConnection connection) =>
        connection.IdleSinceTimestamp != 0 && _options.Time.GetElapsedTime(connection.IdleSinceTimestamp) >= _options.PooledConnectionIdleTimeout;

    /// <summary>
    /// Starts a connection past its lifetime on another one when it may serve it: a direct TCP connection whose URL names
    /// an IP address, or whose host still resolves to the address it reached. A failed or slow look-up (past the connect
    /// timeout) replaces it (false), as does a proxy or a unix socket.
    /// </summary>
    private async ValueTask<bool> LifetimeRenewedAsync(HttpConnection connection, Uri uri, HttpProxyRoute? route, CancellationToken cancellationToken)
    {
        if (route is not null || _options.UnixSocketPath is not null || connection.RemoteAddress is not { } reached)
        {
            return false;
        }

        static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        var still = uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6;
        if (!still)
        {
            using var bound = new CancellationTokenSource(_options.ConnectTimeout, _options.Time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
            try
            {
                var addresses = await _options.ResolveHost(uri.IdnHost, timeout.Token).ConfigureAwait(false);
                still = Array.Exists(addresses, address => Unmapped(address).Equals(Unmapped(reached)));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // Replaced: a new connection resolves again and reports what fails (or sees the cancellation).
            }
        }

        if (still)
        {
            connection.CreatedTimestamp = _options.Time.GetTimestamp();
        }

        return still;
    }
}
