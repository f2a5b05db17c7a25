using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// A tiny forward proxy on 127.0.0.1: <c>CONNECT host:port</c> opens a tunnel, an absolute-form request is forwarded in
/// origin form (one per connection). Every host name resolves to 127.0.0.1 here, so a test can use a name that only the
/// proxy knows. Records what it was asked.
/// </summary>
internal sealed class TestProxyServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requestLines = [];
    private readonly List<string> _authorizations = [];
    private readonly Task _accepting;

    public TestProxyServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>When set, CONNECT is answered with this status instead of a tunnel.</summary>
    public int? RefuseConnectWith { get; init; }

    public IReadOnlyList<string> RequestLines
    {
        get { lock (_requestLines) { return [.. _requestLines]; } }
    }

    /// <summary>The Proxy-Authorization header of each request ("" when absent).</summary>
    public IReadOnlyList<string> Authorizations
    {
        get { lock (_requestLines) { return [.. _authorizations]; } }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException
                // A TcpListener stopped between two accepts throws InvalidOperationException ("Not listening").
                or InvalidOperationException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            var (head, remainder) = await ReadHeadAsync(stream);
            var lines = head.Split("\r\n");
            var authorization = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase))?[20..].Trim() ?? "";
            lock (_requestLines)
            {
                _requestLines.Add(lines[0]);
                _authorizations.Add(authorization);
            }

            var parts = lines[0].Split(' ');
            using var upstream = new TcpClient();
            if (parts[0] == "CONNECT")
            {
                if (RefuseConnectWith is { } status)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Refused\r\nContent-Length: 0\r\n\r\n"), _stop.Token);
                    return;
                }

                await upstream.ConnectAsync(IPAddress.Loopback, int.Parse(parts[1][(parts[1].LastIndexOf(':') + 1)..]), _stop.Token);
                await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token);
            }
            else
            {
                var target = new Uri(parts[1]);
                await upstream.ConnectAsync(IPAddress.Loopback, target.Port, _stop.Token);
                var forwarded = new StringBuilder($"{parts[0]} {target.PathAndQuery} {parts[2]}\r\n");
                foreach (var line in lines.Skip(1).Where(l => !l.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)))
                {
                    forwarded.Append(line).Append("\r\n");
                }

                await upstream.GetStream().WriteAsync(Encoding.ASCII.GetBytes(forwarded.Append("Connection: close\r\n\r\n").ToString()), _stop.Token);
            }

            await upstream.GetStream().WriteAsync(remainder, _stop.Token);
            var down = upstream.GetStream().CopyToAsync(stream, _stop.Token);
            var up = stream.CopyToAsync(upstream.GetStream(), _stop.Token);
            await Task.WhenAny(down, up);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Either side went away.
        }
    }

    /// <summary>The request head (without the blank line) and whatever followed it in the same reads.</summary>
    private async Task<(string Head, byte[] Remainder)> ReadHeadAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, _stop.Token);
            if (read == 0)
            {
                throw new IOException("client closed before a request");
            }

            buffer.AddRange(chunk.AsSpan(0, read));
            var text = Encoding.ASCII.GetString(buffer.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return (text[..end], buffer.Skip(end + 4).ToArray());
            }
        }
    }
}
