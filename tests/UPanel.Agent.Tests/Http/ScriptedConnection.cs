using System.Net.Sockets;
using System.Text;

namespace UPanel.Agent.Tests.Http;

/// <summary>One accepted connection of a <see cref="ScriptedServer"/>: the test reads requests and writes raw bytes.</summary>
internal sealed class ScriptedConnection(Socket socket, Stream stream, int index, Action<ReceivedRequest> record)
{
    private readonly List<byte> _buffer = [];

    /// <summary>0 for the first connection the server accepted, 1 for the second, ...</summary>
    public int Index { get; } = index;

    public Stream Stream { get; } = stream;

    /// <summary>The next request (head and Content-Length body), or null when the client closed the connection.</summary>
    public async Task<ReceivedRequest?> ReadRequestAsync(CancellationToken cancellationToken)
    {
        int headEnd;
        while ((headEnd = IndexOf(_buffer, "\r\n\r\n"u8)) < 0)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var lines = Encoding.ASCII.GetString(_buffer.GetRange(0, headEnd).ToArray()).Split("\r\n");
        _buffer.RemoveRange(0, headEnd + 4);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text) : 0;
        while (_buffer.Count < length)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var body = _buffer.GetRange(0, length).ToArray();
        _buffer.RemoveRange(0, length);
        var request = new ReceivedRequest(lines[0], headers, body);
        record(request);
        return request;
    }

    public async Task WriteAsync(string ascii, CancellationToken cancellationToken)
    {
        await Stream.WriteAsync(Encoding.ASCII.GetBytes(ascii), cancellationToken);
        await Stream.FlushAsync(cancellationToken);
    }

    /// <summary>Each byte in its own TCP segment (no Nagle delay), so the client sees the response in many tiny reads.</summary>
    public async Task WriteBytewiseAsync(string ascii, CancellationToken cancellationToken)
    {
        socket.NoDelay = true;
        foreach (var b in Encoding.ASCII.GetBytes(ascii))
        {
            await Stream.WriteAsync(new[] { b }, cancellationToken);
            await Stream.FlushAsync(cancellationToken);
        }
    }

    /// <summary>A 200 with a Content-Length body, connection kept open.</summary>
    public Task RespondAsync(string body, CancellationToken cancellationToken, string extraHeaders = "") =>
        WriteAsync($"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\n{extraHeaders}\r\n{body}", cancellationToken);

    public void Close()
    {
        Stream.Dispose();
        socket.Dispose();
    }

    /// <summary>Aborts the connection with a TCP reset (RST) instead of an orderly close.</summary>
    public void Reset()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var chunk = new byte[4096];
        var read = await Stream.ReadAsync(chunk, cancellationToken);
        _buffer.AddRange(chunk.AsSpan(0, read));
        return read > 0;
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> value)
    {
        for (var i = 0; i + value.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < value.Length && match; j++)
            {
                match = buffer[i + j] == value[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
