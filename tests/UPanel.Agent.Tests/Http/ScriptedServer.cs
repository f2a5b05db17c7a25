using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// A raw TCP (or unix socket) server on 127.0.0.1 whose every connection runs the test's script: it reads requests and
/// writes exactly the bytes the test wants, so framing, keep-alive and faults are real socket behaviour. Optionally
/// wraps each connection (TLS). Counts connections and records requests.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly Func<ScriptedConnection, CancellationToken, Task> _script;
    private readonly Func<Stream, CancellationToken, Task<Stream>>? _wrap;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<Task> _running = [];
    private int _connections;
    private int _finishedConnections;

    /// <summary>Every connection: reads one request, writes <paramref name="rawResponse"/> as it is, closes.</summary>
    public static ScriptedServer AnsweringOnce(string rawResponse) => new(async (c, ct) =>
    {
        await c.ReadRequestAsync(ct);
        await c.WriteAsync(rawResponse, ct);
        c.Close();
    });

    /// <summary>
    /// Over TLS with <paramref name="certificate"/> (and <paramref name="chain"/> sent after it): every request on a
    /// connection answered 200 with <c>{"status":"ok"}</c>, the connection kept.
    /// </summary>
    public static ScriptedServer AnsweringOkOverTls(X509Certificate2 certificate, params X509Certificate2[] chain) => new(async (c, ct) =>
    {
        while (await c.ReadRequestAsync(ct) is not null)
        {
            await c.RespondAsync("{\"status\":\"ok\"}", ct);
        }
    }, TestCertificates.ServerTls(certificate, chain));

    public ScriptedServer(
        Func<ScriptedConnection, CancellationToken, Task> script, Func<Stream, CancellationToken, Task<Stream>>? wrap = null, string? unixSocketPath = null,
        IPAddress? address = null)
    {
        _script = script;
        _wrap = wrap;
        if (unixSocketPath is null)
        {
            address ??= IPAddress.Loopback;
            _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(address, 0));
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        }
        else
        {
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(unixSocketPath));
        }

        _listener.Listen();
        _running.Add(AcceptLoopAsync());
    }

    public int Port { get; }

    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Connections that have ended (the client closed, the script returned, or the TLS handshake failed).</summary>
    public int FinishedConnections => Volatile.Read(ref _finishedConnections);

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get { lock (_requests) { return [.. _requests]; } }
    }

    public Uri Url(string pathAndQuery, string scheme = "http", string host = "127.0.0.1") => new($"{scheme}://{host}:{Port}{pathAndQuery}");

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // Scripts stop with the server.
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var index = Interlocked.Increment(ref _connections) - 1;
            lock (_running)
            {
                _running.Add(ServeAsync(socket, index));
            }
        }
    }

    private async Task ServeAsync(Socket socket, int index)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (_wrap is not null)
            {
                try
                {
                    stream = await _wrap(stream, _stop.Token);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
                {
                    return;
                }
            }

            await _script(new ScriptedConnection(socket, stream, index, Record), _stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client went away or the server stopped.
        }
        finally
        {
            await stream.DisposeAsync();
            Interlocked.Increment(ref _finishedConnections);
        }
    }

    private void Record(ReceivedRequest request)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }
    }
}
