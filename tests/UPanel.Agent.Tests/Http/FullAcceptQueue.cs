using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// A listener on 127.0.0.1 that never accepts and whose accept queue is full, so the kernel drops further SYNs and the
/// next connect to <see cref="EndPoint"/> hangs in SYN retransmission (a panel that stops answering, on loopback).
/// </summary>
internal sealed class FullAcceptQueue : IDisposable
{
    private const int Backlog = 1;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _filling = [];

    private FullAcceptQueue()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(Backlog);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Fills the queue: once it holds more than the backlog, the kernel drops further SYNs. Each connect is seen in the
    /// queue (the kernel's count) before the next, instead of taking a connect that did not complete within some time
    /// for a full queue: on a loaded host a connect that did complete can be seen late, and the client's would succeed.
    /// </summary>
    public static async Task<FullAcceptQueue> CreateAsync(CancellationToken cancellationToken)
    {
        var queue = new FullAcceptQueue();
        try
        {
            while (queue._filling.Count <= Backlog)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                queue._filling.Add(socket);
                await socket.ConnectAsync(queue.EndPoint, cancellationToken);
                await Poll.UntilAsync(
                    () => queue.Length() == queue._filling.Count, $"{queue._filling.Count} connections in the accept queue",
                    TimeSpan.FromSeconds(30), () => $"{queue.Length()} queued");
            }

            return queue;
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _filling.ForEach(s => s.Dispose());
        _listener.Dispose();
    }

    /// <summary>Connections waiting in the accept queue (rx_queue of the listening socket in /proc/net/tcp).</summary>
    private int Length()
    {
        var local = $"0100007F:{EndPoint.Port:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == local && fields[3] == "0A") // TCP_LISTEN
            {
                return int.Parse(fields[4].AsSpan(fields[4].IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no listening socket on 127.0.0.1:{EndPoint.Port} in /proc/net/tcp");
    }
}
