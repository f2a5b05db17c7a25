using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>
/// A small real HTTP/1.1 server on 127.0.0.1 standing in for the panel: records every request and answers what the
/// test says (<see cref="Reply"/>), can hang, and can be stopped (connection refused) and restarted on the same port.
/// The one fake panel of the agent's tests (reporter, commands, health probe); small on purpose: no ASP.NET Core here.
/// </summary>
internal sealed class TestPanelServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<Socket> _connections = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private int _hanging;

    public TestPanelServer()
    {
        Start(0);
    }

    public int Port { get; private set; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>Requests answered with <see cref="PanelReply.Hanging"/> so far: the client's timeout is what ends each.</summary>
    public int HangingRequests => Volatile.Read(ref _hanging);

    /// <summary>Decides the answer for each request (after it is recorded).</summary>
    public Func<RecordedRequest, PanelReply> Reply { get; set; } = _ => PanelReply.Ok();

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived (10 s at most).</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_requests.Count >= count)
                {
                    return [.. _requests];
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(timeout.Token);
        }
    }

    /// <summary>Forgets the requests received so far (a second run against the same server).</summary>
    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>Closes the listener and every open connection: new connections are refused.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener?.Stop();
        _listener = null;
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    public void Restart()
    {
        Stop();
        Start(Port);
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Start(int port)
    {
        _stop = new CancellationTokenSource();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync(listener, _stop.Token);
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException
                // A TcpListener stopped between two accepts throws InvalidOperationException ("Not listening").
                or InvalidOperationException)
            {
                return;
            }

            lock (_gate)
            {
                _connections.Add(socket);
            }

            _ = ServeAsync(socket, stop);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stop)
    {
        try
        {
            var request = await ReadRequestAsync(socket, stop);
            if (request is null)
            {
                return;
            }

            PanelReply reply;
            lock (_gate)
            {
                _requests.Add(request);
                reply = Reply(request);
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (reply.Hang)
            {
                Interlocked.Increment(ref _hanging);
                await Task.Delay(Timeout.Infinite, stop);
                return;
            }

            var body = Encoding.UTF8.GetBytes(reply.Body);
            var head = new StringBuilder()
                .Append("HTTP/1.1 ").Append(reply.Status).Append(" X\r\n")
                .Append("Content-Type: ").Append(reply.ContentType).Append("\r\n")
                .Append("Content-Length: ").Append(body.Length).Append("\r\n")
                .Append("Connection: close\r\n");
            foreach (var (name, value) in reply.Headers)
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            head.Append("\r\n");
            await socket.SendAsync(Encoding.ASCII.GetBytes(head.ToString()).Concat(body).ToArray(), SocketFlags.None, stop);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped or client gone.
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(socket);
            }

            socket.Dispose();
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(Socket socket, CancellationToken stop)
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        var headEnd = -1;
        while (headEnd < 0)
        {
            var read = await socket.ReceiveAsync(chunk, SocketFlags.None, stop);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(chunk.AsSpan(0, read));
            headEnd = IndexOfBlankLine(buffer);
        }

        var headText = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray());
        var lines = headText.Split("\r\n");
        var parts = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var length = headers.TryGetValue("content-length", out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var bodyStart = headEnd + 4;
        while (buffer.Count - bodyStart < length)
        {
            var read = await socket.ReceiveAsync(chunk, SocketFlags.None, stop);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        return new RecordedRequest(parts[0], parts[1], headers, buffer.GetRange(bodyStart, length).ToArray());
    }

    private static int IndexOfBlankLine(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
