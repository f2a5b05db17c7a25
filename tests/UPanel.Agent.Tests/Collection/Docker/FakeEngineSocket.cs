using System.Net.Sockets;
using System.Text;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// A unix socket for faults a real engine cannot be made to show on demand: one that accepts and never answers (hung
/// dockerd), one that answers every request with a fixed raw HTTP response (an engine returning errors), or a relay to
/// the real engine that can be frozen mid-life (dockerd hanging while the agent's connections are open).
/// </summary>
internal sealed class FakeEngineSocket : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<FakeEngineSocket, Socket, Task>? _serve;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<string> _requests = [];
    private readonly Task _acceptLoop;
    private int _connections;
    private volatile bool _frozen;

    private FakeEngineSocket(Func<FakeEngineSocket, Socket, Task>? serve)
    {
        _serve = serve;
        SocketPath = Path.Combine(Path.GetTempPath(), $"upanel-fake-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        // A backlog as deep as the engine's (Go listens with the kernel's somaxconn): the agent opens up to
        // StatsApiConcurrency connections at once, and a full unix-socket backlog refuses a connect with EAGAIN.
        _listener.Listen();
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    public DockerEndpoint Endpoint => DockerEndpoint.Unix(SocketPath);

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Accepts connections, reads nothing and answers nothing.</summary>
    public static FakeEngineSocket Hung() => new(serve: null);

    /// <summary>Answers each request with this status and JSON body, then closes the connection.</summary>
    public static FakeEngineSocket Answering(int status, string reason, string body)
    {
        var response = Response(status, reason, body);
        return new((self, socket) => self.AnswerAsync(socket, _ => response));
    }

    /// <summary>
    /// Answers each request with what <paramref name="respond"/> makes of its request line ("GET /_ping"; see
    /// <see cref="Response"/>), then closes the connection; the lines are kept in <see cref="Requests"/>.
    /// </summary>
    public static FakeEngineSocket Routing(Func<string, string> respond) => new((self, socket) => self.AnswerAsync(socket, respond));

    /// <summary>A raw HTTP response with a JSON body and these extra header lines ("Api-Version: 1.41").</summary>
    public static string Response(int status, string reason, string body, params string[] headers) =>
        $"HTTP/1.1 {status} {reason}\r\n{string.Concat(headers.Select(h => h + "\r\n"))}Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";

    /// <summary>Relays every connection to the engine at <paramref name="enginePath"/> both ways, until <see cref="Freeze"/>.</summary>
    public static FakeEngineSocket RelayingTo(string enginePath) => new((self, socket) => self.RelayAsync(socket, enginePath));

    /// <summary>The request lines ("GET /v1.41/containers/json?all=1") clients sent, in order (relayed or answered).</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>From now on nothing a client sends reaches the engine, on open connections and new ones; all stay open.</summary>
    public void Freeze() => _frozen = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        File.Delete(SocketPath);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = Track(await _listener.AcceptAsync(_stop.Token));
            Interlocked.Increment(ref _connections);
            if (_serve is not null)
            {
                _ = _serve(this, socket);
            }
        }
    }

    private Socket Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        return socket;
    }

    private async Task AnswerAsync(Socket socket, Func<string, string> respond)
    {
        try
        {
            var buffer = new byte[4096];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await socket.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var text = request.ToString();
            var requestLine = string.Join(' ', text[..text.IndexOf('\r', StringComparison.Ordinal)].Split(' ').Take(2));
            lock (_requests)
            {
                _requests.Add(requestLine);
            }

            await socket.SendAsync(Encoding.UTF8.GetBytes(respond(requestLine)), _stop.Token);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The test is over or the client gave up.
        }
    }

    private async Task RelayAsync(Socket client, string enginePath)
    {
        var engine = Track(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        try
        {
            await engine.ConnectAsync(new UnixDomainSocketEndPoint(enginePath), _stop.Token);
            await Task.WhenAll(PumpAsync(client, engine, towardsEngine: true), PumpAsync(engine, client, towardsEngine: false));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The test is over or a side closed.
        }
    }

    /// <summary>Every line of the client's stream that is an HTTP request line (headers never look like one).</summary>
    private void Record(ReadOnlySpan<byte> bytes, StringBuilder line)
    {
        foreach (var b in bytes)
        {
            if (b != (byte)'\n')
            {
                line.Append((char)b);
                continue;
            }

            var text = line.ToString().TrimEnd('\r');
            line.Clear();
            var parts = text.Split(' ');
            if (parts.Length == 3 && parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) && parts[0].All(char.IsAsciiLetterUpper))
            {
                lock (_requests)
                {
                    _requests.Add(parts[0] + " " + parts[1]);
                }
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool towardsEngine)
    {
        var buffer = new byte[16 * 1024];
        var line = new StringBuilder();
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, _stop.Token);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            if (towardsEngine)
            {
                Record(buffer.AsSpan(0, read), line);
            }

            if (!(towardsEngine && _frozen)) // frozen: swallowed, the request never reaches the engine
            {
                await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
    }
}
