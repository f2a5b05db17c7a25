using System.Net.Sockets;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// A unix socket in front of the real engine that relays bytes both ways until <see cref="Freeze"/>: from then on
/// nothing the client sends reaches the engine, on open connections and new ones, while the engine's side stays open.
/// The engine as it looks when dockerd hangs, which the real one cannot be made to do on demand.
/// </summary>
internal sealed class FreezableEngineRelay : IAsyncDisposable
{
    private readonly string _enginePath;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;
    private volatile bool _frozen;

    public FreezableEngineRelay(string enginePath)
    {
        _enginePath = enginePath;
        SocketPath = Path.Combine(Path.GetTempPath(), $"upanel-relay-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    public string DockerHost => "unix://" + SocketPath;

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
            var client = await _listener.AcceptAsync(_stop.Token);
            var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(engine);
            }

            await engine.ConnectAsync(new UnixDomainSocketEndPoint(_enginePath), _stop.Token);
            _ = PumpAsync(client, engine, towardsEngine: true);
            _ = PumpAsync(engine, client, towardsEngine: false);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool towardsEngine)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (towardsEngine && _frozen)
                {
                    continue; // swallowed: the request never reaches the engine
                }

                await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The relay stopped or a side closed.
        }
    }
}
