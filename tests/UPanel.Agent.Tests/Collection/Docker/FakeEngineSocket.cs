using System.Net.Sockets;
using System.Text;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// A unix socket for faults a real engine cannot be made to show on demand: one that accepts and never answers (hung
/// dockerd), or one that answers every request with a fixed raw HTTP response (an engine returning errors).
/// </summary>
internal sealed class FakeEngineSocket : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string? _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _acceptLoop;
    private int _connections;

    private FakeEngineSocket(string? response)
    {
        _response = response;
        SocketPath = Path.Combine(Path.GetTempPath(), $"upanel-fake-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    public string DockerHost => "unix://" + SocketPath;

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Accepts connections, reads nothing and answers nothing.</summary>
    public static FakeEngineSocket Hung() => new(response: null);

    /// <summary>Answers each request with this status and JSON body, then closes the connection.</summary>
    public static FakeEngineSocket Answering(int status, string reason, string body) =>
        new($"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
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
            var socket = await _listener.AcceptAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            if (_response is not null)
            {
                _ = AnswerAsync(socket, _response);
            }
        }
    }

    private async Task AnswerAsync(Socket socket, string response)
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

            await socket.SendAsync(Encoding.UTF8.GetBytes(response), _stop.Token);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The test is over or the client gave up.
        }
    }
}
