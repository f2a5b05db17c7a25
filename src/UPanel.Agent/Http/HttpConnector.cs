using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace UPanel.Agent.Http;

/// <summary>
/// Opens the connection for a request: a unix socket, or TCP (name resolution through the socket API) directly or to a
/// proxy, a CONNECT tunnel for https through a proxy, then TLS with the URL's host as SNI and the system's certificate
/// validation (its trusted certificates read by <see cref="SystemTrustStore"/>). All within the connect timeout; failures are <see cref="HttpTransportException"/> saying what failed.
/// </summary>
internal static class HttpConnector
{
    public static async Task<HttpConnection> ConnectAsync(
        Http1ClientOptions options, Uri uri, HttpProxyRoute? route, string poolKey, string operation, CancellationToken cancellationToken)
    {
        if (ConnectsOnThisThread(options, route))
        {
            return ConnectOnThisThread(options, uri, poolKey, operation, cancellationToken);
        }

        // On the client's clock, like its pool's lifetimes (a test drives it with a fake one).
        using var bound = new CancellationTokenSource(options.ConnectTimeout, options.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        var (socket, dialed) = options.UnixSocketPath is { } path
            ? (new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), "unix://" + path)
            : (new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true },
                route is null ? $"{Http1Client.HostHeaderOf(uri)}" : $"the proxy from {route.Display}");
        try
        {
            if (options.UnixSocketPath is { } socketPath)
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(route?.Host ?? uri.IdnHost, route?.Port ?? uri.Port, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw e is SocketException socketError
                ? new HttpTransportException($"{operation}: cannot connect to {dialed} ({socketError.Message})", socketError)
                : new HttpTransportException($"{operation}: no connection to {dialed} within {options.ConnectTimeout.TotalSeconds:0.#} s", e);
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (route is not null && uri.Scheme == Uri.UriSchemeHttps)
            {
                await TunnelAsync(socket, stream, uri, route, operation, timeout.Token).ConfigureAwait(false);
            }

            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                stream = await AuthenticateAsync(stream, uri, options, operation, onThisThread: false, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or FormatException or OperationCanceledException)
        {
            stream.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw e switch
            {
                HttpTransportException ours => ours,
                OperationCanceledException => new HttpTransportException(
                    $"{operation}: no {(route is null ? "TLS session" : "tunnel or TLS session")} with {dialed} within {options.ConnectTimeout.TotalSeconds:0.#} s", e),
                _ => new HttpTransportException($"{operation}: connection to {dialed} failed during set-up ({Http1Client.Innermost(e)})", e),
            };
        }

        return new HttpConnection(socket, stream, poolKey, options.Time.GetTimestamp());
    }

    /// <summary>
    /// Whether <see cref="ConnectAsync"/> connects in blocking calls on this thread (<see cref="ConnectOnThisThread"/>):
    /// on a thread that may block, to a panel reached directly over TCP (not through a proxy or a unix socket).
    /// </summary>
    public static bool ConnectsOnThisThread(Http1ClientOptions options, HttpProxyRoute? route) =>
        BlockingReads.Allowed && options.UnixSocketPath is null && route is null;

    /// <summary>
    /// A direct TCP connection (and its TLS handshake) made in blocking calls on the heartbeat loop's thread
    /// (<see cref="BlockingReads"/>): a socket that never waited asynchronously is never registered with the socket
    /// engine's epoll, so the answers on the kept connection no longer wake the engine's thread once per heartbeat
    /// (docs/decisions/https-heartbeat-cost.md). Bounded by <see cref="Http1ClientOptions.ConnectTimeout"/> on the
    /// real clock, as the loop's other blocking waits are; cancellation closes the socket.
    /// </summary>
    private static HttpConnection ConnectOnThisThread(
        Http1ClientOptions options, Uri uri, string poolKey, string operation, CancellationToken cancellationToken)
    {
        var dialed = Http1Client.HostHeaderOf(uri);
        var deadline = Stopwatch.GetTimestamp() + (long)(options.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        Socket socket;
        try
        {
            socket = ConnectTcpOnThisThread(options, uri, deadline, cancellationToken);
        }
        catch (SocketException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new HttpTransportException($"{operation}: cannot connect to {dialed} ({e.Message})", e);
        }
        catch (TimeoutException e)
        {
            throw new HttpTransportException($"{operation}: no connection to {dialed} within {options.ConnectTimeout.TotalSeconds:0.#} s", e);
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        // Every blocking read and write on it is bounded in the kernel (SO_RCVTIMEO, SO_SNDTIMEO): the handshake's by
        // what is left of the connect timeout, later ones by the connect timeout (HttpConnection's blocking reads).
        var whole = (int)options.ConnectTimeout.TotalMilliseconds;
        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            socket.ReceiveTimeout = whole;
            socket.SendTimeout = whole;
            return new HttpConnection(socket, stream, poolKey, options.Time.GetTimestamp(), madeOnBlockingThread: true);
        }

        var left = (int)Math.Max(1, (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency);
        socket.ReceiveTimeout = left;
        socket.SendTimeout = left;
        try
        {
            using (cancellationToken.Register(socket.Dispose))
            {
                var authenticated = AuthenticateAsync(stream, uri, options, operation, onThisThread: true, cancellationToken);
                stream = authenticated.GetAwaiter().GetResult();
            }

            socket.ReceiveTimeout = whole;
            socket.SendTimeout = whole;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            stream.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw e is HttpTransportException ours ? ours
                : Stopwatch.GetTimestamp() >= deadline || e.GetBaseException() is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock }
                    ? new HttpTransportException($"{operation}: no TLS session with {dialed} within {options.ConnectTimeout.TotalSeconds:0.#} s", e)
                    : new HttpTransportException($"{operation}: connection to {dialed} failed during set-up ({Http1Client.Innermost(e)})", e);
        }

        return new HttpConnection(socket, stream, poolKey, options.Time.GetTimestamp(), madeOnBlockingThread: true);
    }

    /// <summary>
    /// Each address of the host in turn (as <see cref="Socket.ConnectAsync(string, int, CancellationToken)"/> tries
    /// them), each in a blocking connect. Throws the last address's <see cref="SocketException"/>, or
    /// <see cref="TimeoutException"/> at the deadline.
    /// </summary>
    private static Socket ConnectTcpOnThisThread(Http1ClientOptions options, Uri uri, long deadline, CancellationToken cancellationToken)
    {
        long LeftMs() => (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.IdnHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            // The look-up waits on this thread too, within the bound.
            var lookup = options.ResolveHost(uri.IdnHost, cancellationToken);
            if (!lookup.Wait((int)Math.Max(0, LeftMs()), cancellationToken))
            {
                throw new TimeoutException();
            }

            addresses = lookup.Result;
            if (addresses.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = LeftMs();
            if (left <= 0)
            {
                throw new TimeoutException();
            }

            // A blocking connect, bounded by SO_SNDTIMEO (Linux ends a blocking connect at the send timeout). Not a
            // non-blocking one waited for in poll(2): .NET keeps such a socket non-blocking, and each blocking call on it
            // that has to wait is then waited for through the socket engine's epoll.
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = (int)Math.Max(1, left) };
            try
            {
                // Cancellation (the agent stopping) closes the socket, which ends the blocking connect (.NET unblocks it).
                using (cancellationToken.Register(socket.Dispose))
                {
                    socket.Connect(address, uri.Port);
                }

                cancellationToken.ThrowIfCancellationRequested();
                return socket;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new OperationCanceledException(cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.InProgress or SocketError.WouldBlock or SocketError.TimedOut)
            {
                socket.Dispose();
                throw new TimeoutException(e.Message, e);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <summary>CONNECT host:port through the proxy; a 2xx answer turns the connection into a tunnel to the panel.</summary>
    private static async Task TunnelAsync(Socket socket, Stream stream, Uri uri, HttpProxyRoute route, string operation, CancellationToken cancellationToken)
    {
        var authority = $"{Http1Client.HostOf(uri)}:{uri.Port}";
        var request = new StringBuilder()
            .Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\nHost: ").Append(authority).Append("\r\n")
            .Append("User-Agent: upanel-agent/").Append(AgentInfo.Version).Append("\r\n");
        if (route.Authorization is { } authorization)
        {
            request.Append("Proxy-Authorization: ").Append(authorization).Append("\r\n");
        }

        var tunnel = new HttpConnection(socket, stream, "", 0);
        await tunnel.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken).ConfigureAwait(false);
        var head = HttpResponseHeadParser.Parse((await tunnel.ReadHeadAsync(cancellationToken).ConfigureAwait(false)).Span);
        if (head.StatusCode is < 200 or > 299)
        {
            var fix = head.StatusCode == 407 ? $": check the user and password in {route.Display}" : $": check {route.Display} and NO_PROXY";
            throw new HttpTransportException($"{operation}: the proxy from {route.Display} refused a tunnel to {authority} (HTTP {head.StatusCode}){fix}");
        }

        if (tunnel.BufferedCount > 0)
        {
            throw new HttpTransportException($"{operation}: the proxy from {route.Display} sent data before the TLS handshake");
        }
    }

    private static async Task<Stream> AuthenticateAsync(
        Stream stream, Uri uri, Http1ClientOptions clientOptions, string operation, bool onThisThread, CancellationToken cancellationToken)
    {
        var host = uri.IdnHost;
        var policyErrors = SslPolicyErrors.None;
        var chainErrors = X509ChainStatusFlags.NoError;
        IReadOnlyList<string> certificateNames = [];
        // The system store starts with the certificates that anchored the last accepted chain; a test's policy is final.
        var trust = clientOptions.CertificateChainPolicy is null ? clientOptions.TrustStore ?? SystemTrustStore.Shared : null;
        var received = new FirstBytesStream(stream);
        var tls = new SslStream(received, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateChainPolicy = clientOptions.CertificateChainPolicy ?? trust!.Policy(),
            // The system's verdict, unchanged; only remembered to say what was wrong.
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (trust is not null && errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)
                    && certificate is X509Certificate2 presented && chain is not null)
                {
                    // Not anchored by the kept certificates: the whole store decides, as if it had been the policy.
                    if (trust.Validate(presented, chain, out chainErrors))
                    {
                        errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
                    }
                }
                else
                {
                    foreach (var status in chain?.ChainStatus ?? [])
                    {
                        chainErrors |= status.Status;
                    }
                }

                if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && certificate is X509Certificate2 named)
                {
                    certificateNames = NamesOf(named);
                }

                policyErrors = errors;
                return errors == SslPolicyErrors.None;
            },
        };
        try
        {
            if (onThisThread)
            {
                // Blocking reads and writes on this thread: nothing waits in the socket engine (ConnectOnThisThread).
                tls.AuthenticateAsClient(options);
            }
            else
            {
                await tls.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            }

            return tls;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            var (refusal, namesFix) = DescribeRefusal(uri, clientOptions.UrlSetting, policyErrors, chainErrors, certificateNames, received.First.ToArray(), e);
            throw new HttpTransportException($"{operation}: TLS: {refusal}", e) { NamesFix = namesFix };
        }
    }

    /// <summary>What went wrong, and whether that names the fix (all but a failure in a handshake with a TLS server).</summary>
    private static (string Text, bool NamesFix) DescribeRefusal(
        Uri uri, string? urlSetting, SslPolicyErrors policyErrors, X509ChainStatusFlags chainErrors, IReadOnlyList<string> certificateNames,
        byte[] first, Exception error)
    {
        var host = uri.IdnHost;
        var address = $"{Http1Client.HostOf(uri)}:{uri.Port}";
        var setting = urlSetting ?? "the URL";
        if (policyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return ($"{host} sent no certificate: check that {setting} points at the panel's https port", true);
        }

        if (policyErrors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            const X509ChainStatusFlags untrusted = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;
            if (chainErrors.HasFlag(X509ChainStatusFlags.NotTimeValid) && (chainErrors & untrusted) == 0)
            {
                return ($"the certificate of {host} is not trusted ({chainErrors}): it, or a CA certificate above it, has expired "
                    + "or is not valid yet: renew the server's certificate, or set this host's clock right", true);
            }

            return ($"the certificate of {host} is not trusted ({chainErrors}): the server must send its whole chain up to a CA "
                + "this host trusts (missing intermediate certificates are not downloaded), or point SSL_CERT_FILE at a PEM "
                + "bundle that includes the CA (for a private CA or a self-signed certificate; the agent has no CA setting of its "
                + "own, and install.sh --ca-file sets SSL_CERT_FILE)", true);
        }

        if (policyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return (certificateNames.Count == 0
                ? $"the certificate of {host} is not issued for {host}: use the name the certificate is issued for in {setting}, "
                    + "or give the server a certificate for this name"
                : $"the certificate of {host} is issued for {string.Join(", ", certificateNames)}, not {host}: use one of those names in "
                    + $"{setting}, or give the server a certificate for {host}", true);
        }

        // What answered instead of a TLS server (docs/decisions/tls-setup-errors.md): the first bytes it sent.
        if (first.AsSpan().StartsWith("HTTP/"u8))
        {
            return ($"the server at {address} answered in plain HTTP, not TLS: use http:// in {setting}, "
                + "or put a TLS terminator (a reverse proxy with a certificate) in front of it", true);
        }

        if (first.Length == 0)
        {
            // A reset says so; an end of stream's own text is only a resource key in the published agent.
            var reset = error.GetBaseException() is SocketException socketError ? $" ({socketError.Message})" : "";
            return ($"the server at {address} closed the connection without answering the TLS handshake{reset}: it probably does not "
                + $"speak TLS on that port; if it serves plain HTTP, use http:// in {setting}", true);
        }

        // A TLS record starts with its type (20-23) and version 3.x; anything else is another protocol.
        if (first is not [>= 20 and <= 23, 3, ..])
        {
            return ($"the server at {address} does not speak TLS (it answered {Printable(first)}): check the port in {setting}", true);
        }

        return ($"the TLS handshake with {address} failed ({Http1Client.Innermost(error)})", false);
    }

    /// <summary>The names a certificate is issued for (DNS names and IP addresses, else its CN), at most 5, fit for one log line.</summary>
    private static List<string> NamesOf(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                var san = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }

        if (names.Count == 0 && certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } commonName)
        {
            names.Add(commonName);
        }

        var shown = names.Take(5).Select(n => new string([.. n.Take(100).Select(c => char.IsControl(c) ? '?' : c)])).ToList();
        if (names.Count > shown.Count)
        {
            shown.Add($"{names.Count - shown.Count} more");
        }

        return shown;
    }

    /// <summary>The first bytes as text in quotes when they are printable ASCII ("SSH-2.0-"), else in hex.</summary>
    private static string Printable(byte[] bytes) => bytes.All(b => b is >= 0x20 and < 0x7f)
        ? $"\"{Encoding.ASCII.GetString(bytes)}\""
        : "bytes " + Convert.ToHexString(bytes);
}
