using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Health;

/// <summary>
/// <c>GET /health</c> on HEALTH_LISTEN: a small bounded responder on a raw socket. It reads one request head
/// (at most <see cref="MaxHeadBytes"/>, within the read deadline), answers from <see cref="AgentStatus"/> and closes
/// the connection. 404 for other paths, 405 for other methods, 400 for garbage, 431 for an oversized head; at most
/// a few connections at once (more are closed at accept), so slow or hostile clients cannot hang it or the loop.
/// Loopback clients (the <c>upanel-agent health</c> probe, Docker's HEALTHCHECK) have slots of their own, so remote
/// clients holding every slot open cannot make the agent's own health check fail.
/// </summary>
/// <remarks>
/// FOOTPRINT, measured on this machine (Native AOT linux-x64 with the agent's trimming settings; RSS = VmRSS of
/// /proc/PID/status). Throwaway programs that POST a heartbeat every second through HttpClient, plus one candidate:
/// <list type="table">
/// <item><term>HttpClient only (baseline)</term><description>binary 5.15 MB; RSS 7.4 MiB idle, 7.8 MiB after 600 /health-less seconds</description></item>
/// <item><term>+ HttpListener</term><description>binary +210 KB; RSS 8.0 MiB idle, 10.8 after 100 requests, 22.0 after 600 back-to-back</description></item>
/// <item><term>+ raw-socket responder (this design)</term><description>binary +25 KB; RSS 7.5 MiB idle, 8.8 after 100 requests, 12.6 after 600</description></item>
/// </list>
/// Kestrel's slim builder (≈ 13 MiB) was not a candidate. The growth under a burst is the GC's gen0 budget
/// (≈ 16 MiB here), not a leak: with <c>DOTNET_GCgen0size=100000</c> (1 MiB) the raw-socket variant stays at 9.5 MiB
/// after 600 requests, and the managed heap after a full GC stays ≈ 350 KiB over 3000 heartbeats. One /health
/// costs ≈ 19 KB of allocation (server plus an in-process HttpClient caller). A Docker HEALTHCHECK asks every 30 s.
/// </remarks>
internal sealed class HealthServer : IAsyncDisposable
{
    public const int DefaultMaxConnections = 8;
    public const int MaxHeadBytes = 4096;
    /// <summary>Plenty for a real client on a LAN; short, so a re-opened half-sent request holds a slot briefly.</summary>
    public static readonly TimeSpan DefaultReadDeadline = TimeSpan.FromSeconds(2);

    private const int MaxDrainBytes = 64 * 1024;
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(1);

    private static readonly byte[] NotFoundBody = """{"status":"error","error":"not found"}"""u8.ToArray();
    private static readonly byte[] MethodNotAllowedBody = """{"status":"error","error":"method not allowed; use GET"}"""u8.ToArray();
    private static readonly byte[] BadRequestBody = """{"status":"error","error":"bad request"}"""u8.ToArray();
    private static readonly byte[] TooLargeBody = """{"status":"error","error":"request head too large"}"""u8.ToArray();

    private readonly IPEndPoint _endpoint;
    private readonly AgentStatus _status;
    private readonly ILogger _logger;
    private readonly int _maxConnections;
    private readonly TimeSpan _readDeadline;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _activeRemote;
    private int _activeLocal;

    /// <param name="endpoint">From <see cref="HealthListen.ToEndPoint"/>; port 0 picks a free port (tests).</param>
    /// <param name="maxConnections">Connections served at once from remote addresses, and as many again from loopback.</param>
    /// <param name="readDeadline">Time a client gets to send its request head; 2 s unless a test needs less.</param>
    public HealthServer(IPEndPoint endpoint, AgentStatus status, ILogger logger, int maxConnections = DefaultMaxConnections, TimeSpan? readDeadline = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        _endpoint = endpoint;
        _status = status;
        _logger = logger;
        _maxConnections = maxConnections;
        _readDeadline = readDeadline ?? DefaultReadDeadline;
    }

    /// <summary>Connections being served now (for tests and diagnostics).</summary>
    internal int ActiveConnections => Volatile.Read(ref _activeRemote) + Volatile.Read(ref _activeLocal);

    /// <summary>The bound address (with the real port when 0 was asked); null before <see cref="Start"/>.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The health server is already started.");
        }

        var listener = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_endpoint.AddressFamily == AddressFamily.InterNetworkV6 && _endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, which would let a second agent share the port.
            listener.Bind(_endpoint);
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync(listener, _stop.Token);
        Log.Listening(_logger, LocalEndPoint);
    }

    /// <summary>The /health body for a status snapshot: non-sensitive fields only.</summary>
    internal static HealthResponse BuildResponse(AgentStatusSnapshot snapshot) => new()
    {
        Status = "ok",
        UptimeSeconds = (long)snapshot.Uptime.TotalSeconds,
        Version = AgentInfo.Version,
        LastHeartbeatAt = snapshot.LastHeartbeatAt,
        QueueLength = snapshot.QueueLength,
        QueueDropped = snapshot.DroppedCount,
        QueueProblem = snapshot.QueueProblem,
        ClockSkewSeconds = snapshot.ClockSkewSeconds,
        Panel = snapshot.Panel switch
        {
            PanelState.Ok => "ok",
            PanelState.Unreachable => "unreachable",
            PanelState.Unauthorized => "unauthorized",
            PanelState.Rejected => "rejected",
            _ => "unknown",
        },
        Docker = snapshot.DockerAvailable switch
        {
            true => "ok",
            false => "unavailable",
            null => null,
        },
        UpdateAvailable = snapshot.Update is null ? null : true,
        UpdateUrl = snapshot.Update?.Url,
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        _stop.Dispose();
        Log.Stopped(_logger);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                // E.g. out of file descriptors: say so, and do not spin.
                Log.AcceptFailed(_logger, ex.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            var local = IsLoopback(client);
            ref var counter = ref local ? ref _activeLocal : ref _activeRemote;
            var active = Interlocked.Increment(ref counter);
            if (active > _maxConnections)
            {
                Interlocked.Decrement(ref counter);
                Log.ConnectionShed(_logger, active - 1);
                client.Dispose();
                continue;
            }

            _ = ServeAsync(client, local, stop);
        }
    }

    private static bool IsLoopback(Socket client)
    {
        var address = (client.RemoteEndPoint as IPEndPoint)?.Address;
        if (address is null)
        {
            return false;
        }

        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    private async Task ServeAsync(Socket client, bool local, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxHeadBytes);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(_readDeadline);
            var length = await ReadHeadAsync(client, buffer, deadline.Token).ConfigureAwait(false);
            var response = Respond(buffer.AsSpan(0, length), length >= MaxHeadBytes);
            if (response is not null)
            {
                await client.SendAsync(response, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Send);
                await DrainAsync(client, buffer, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Log.RequestFailed(_logger, stop.IsCancellationRequested ? "server stopping" : $"no request within {_readDeadline.TotalSeconds:0.###} s");
        }
        catch (SocketException ex)
        {
            Log.RequestFailed(_logger, ex.SocketErrorCode.ToString());
        }
        catch (ObjectDisposedException)
        {
            // Server stopping.
        }
        finally
        {
            client.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Decrement(ref local ? ref _activeLocal : ref _activeRemote);
        }
    }

    /// <summary>
    /// Lingering close: closing with unread input (an oversized head, a body) would send a reset that can destroy the
    /// response before the client reads it. Read and discard briefly until the client closes; bounded in time and bytes.
    /// </summary>
    private static async Task DrainAsync(Socket client, byte[] buffer, CancellationToken stop)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(stop);
        linger.CancelAfter(LingerTime);
        var total = 0;
        try
        {
            int read;
            while (total < MaxDrainBytes && (read = await client.ReceiveAsync(buffer.AsMemory(0, MaxHeadBytes), SocketFlags.None, linger.Token).ConfigureAwait(false)) > 0)
            {
                total += read;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // The client kept the connection open or reset it: nothing more to do.
        }
    }

    /// <summary>Reads until the end of the head (blank line), the client stops sending, or the buffer is full.</summary>
    private static async Task<int> ReadHeadAsync(Socket client, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (length < MaxHeadBytes)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length, MaxHeadBytes - length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            // Look again from just before the new bytes, in case the blank line straddles two reads.
            var from = Math.Max(0, length - 3);
            length += read;
            var window = buffer.AsSpan(from, length - from);
            if (window.IndexOf("\r\n\r\n"u8) >= 0 || window.IndexOf("\n\n"u8) >= 0)
            {
                break;
            }
        }

        return length;
    }

    /// <summary>The whole response for a head; null when the client sent nothing usable and left.</summary>
    private byte[]? Respond(ReadOnlySpan<byte> head, bool headFull)
    {
        if (!HttpRequestLine.TryParse(head, out var line))
        {
            if (headFull)
            {
                return Build(431, "Request Header Fields Too Large", TooLargeBody, allow: false);
            }

            return head.IsEmpty ? null : Build(400, "Bad Request", BadRequestBody, allow: false);
        }

        if (headFull && head.IndexOf("\r\n\r\n"u8) < 0 && head.IndexOf("\n\n"u8) < 0)
        {
            return Build(431, "Request Header Fields Too Large", TooLargeBody, allow: false);
        }

        if (line.Path != "/health")
        {
            return Build(404, "Not Found", NotFoundBody, allow: false);
        }

        if (line.Method != "GET")
        {
            return Build(405, "Method Not Allowed", MethodNotAllowedBody, allow: true);
        }

        var body = HealthResponseJson.ToUtf8Bytes(BuildResponse(_status.Snapshot()));
        return Build(200, "OK", body, allow: false);
    }

    private static byte[] Build(int status, string reason, byte[] body, bool allow)
    {
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n" +
                   $"Cache-Control: no-store\r\n{(allow ? "Allow: GET\r\n" : string.Empty)}Connection: close\r\n\r\n";
        var bytes = new byte[Encoding.ASCII.GetByteCount(head) + body.Length];
        var written = Encoding.ASCII.GetBytes(head, bytes);
        body.CopyTo(bytes, written);
        return bytes;
    }
}
