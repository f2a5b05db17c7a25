using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UPanel.Agent.Tests.Cli;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) that answers every request with a canned response and
/// records what it received. Small on purpose: the test project does not pull in ASP.NET Core.
/// </summary>
internal sealed class TestPanelServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestPanelServer(int status, string body, string contentType = "application/json")
    {
        Status = status;
        Body = body;
        ContentType = contentType;
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Status { get; set; }

    /// <summary>When set, decides the status per request (e.g. 401 unless the right token is sent).</summary>
    public Func<RecordedRequest, int>? StatusFor { get; set; }

    public string Body { get; set; }

    public string ContentType { get; set; }

    /// <summary>More header lines for every answer, each ending in CRLF (e.g. a Location).</summary>
    public string ExtraHeaders { get; set; } = string.Empty;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}/");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                await HandleAsync(client.GetStream());
            }
        }
    }

    private async Task HandleAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, _stop.Token);
            if (read == 0)
            {
                return;
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        var head = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray()).Split("\r\n");
        var requestLine = head[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("Content-Length", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : 0;
        var body = buffer.Skip(headEnd + 4).ToList();
        while (body.Count < length)
        {
            var read = await stream.ReadAsync(chunk, _stop.Token);
            if (read == 0)
            {
                break;
            }

            body.AddRange(chunk.AsSpan(0, read));
        }

        var recorded = new RecordedRequest(requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString(body.ToArray()));
        Requests.Enqueue(recorded);
        var status = StatusFor?.Invoke(recorded) ?? Status;
        var payload = Encoding.UTF8.GetBytes(Body);
        var response =
            $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} X\r\nContent-Type: {ContentType}\r\n" +
            $"Content-Length: {payload.Length.ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n{ExtraHeaders}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
        await stream.WriteAsync(payload, _stop.Token);
    }

    private static int IndexOfHeadEnd(List<byte> buffer)
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

    public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);
}
