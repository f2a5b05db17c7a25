using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace UPanel.Agent.Http;

/// <summary>
/// One connection (TCP, unix socket, TLS, or a tunnel through a proxy) with its read buffer. Not thread-safe: the
/// pool hands it to one request at a time.
/// </summary>
internal sealed class HttpConnection : IDisposable
{
    /// <summary>A status line and headers larger than this are not a response the agent can use.</summary>
    internal const int MaxHeadBytes = 64 * 1024;

    /// <summary>A blocking wait for data looks at the cancellation token at least this often (milliseconds).</summary>
    internal const int BlockingWaitSliceMs = 200;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;
    private int _firstCount;
    private int _firstBytes;

    public HttpConnection(Socket socket, Stream stream, string poolKey, long createdTimestamp, bool madeOnBlockingThread = false)
    {
        _socket = socket;
        _stream = stream;
        PoolKey = poolKey;
        CreatedTimestamp = createdTimestamp;
        MadeOnBlockingThread = madeOnBlockingThread;
    }

    /// <summary>Which requests may reuse it (origin and route, see <see cref="Http1Client"/>).</summary>
    public string PoolKey { get; }

    /// <summary>When it was made, or when its host was last found still to resolve to its address (<see cref="Http1Client"/>).</summary>
    public long CreatedTimestamp { get; set; }

    /// <summary>The address a TCP connection reached; null for a unix socket.</summary>
    public IPAddress? RemoteAddress
    {
        get
        {
            try
            {
                return _socket.RemoteEndPoint is IPEndPoint endPoint ? endPoint.Address : null;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Made by the heartbeat loop's thread in blocking calls (HttpConnector's ConnectOnThisThread): never registered with
    /// the socket engine's epoll while only that thread uses it.
    /// </summary>
    public bool MadeOnBlockingThread { get; }

    /// <summary>When it went back to the pool.</summary>
    public long IdleSinceTimestamp { get; set; }

    /// <summary>Whether a byte has arrived since the last <see cref="WriteAsync"/>: a failure before that may be retried.</summary>
    public bool ReceivedSinceWrite { get; private set; }

    /// <summary>
    /// Whether the first bytes received start a TLS record (an alert or a handshake, version 3.x): on a plain connection,
    /// the answer of a server that speaks only TLS.
    /// </summary>
    public bool AnsweredInTls => _firstCount == 2 && _firstBytes is 0x1503 or 0x1603;

    /// <summary>Bytes received but not yet consumed.</summary>
    public int BufferedCount => _end - _start;

    /// <summary>False once the server closed its side or sent bytes nobody asked for: not worth reusing.</summary>
    public bool LooksIdle
    {
        get
        {
            try
            {
                return _start == _end && !_socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ReceivedSinceWrite = false;
        if (SyncIo)
        {
            _stream.Write(bytes.Span);
            _stream.Flush();
            return;
        }

        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads up to the blank line that ends a response head and returns the head (without the blank line), valid until
    /// the next read; the bytes after it stay buffered for the body. Throws <see cref="FormatException"/> for a head that
    /// is too large or cut off.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var scanFrom = 0;
        while (true)
        {
            var buffered = _buffer.AsSpan(_start, _end - _start);
            int i;
            for (i = scanFrom; i < buffered.Length; i++)
            {
                if (buffered[i] != '\n')
                {
                    continue;
                }

                // "\n\r\n" or "\n\n" ends the head; when the bytes after this line break have not arrived yet, wait for them.
                var next = i + 1 < buffered.Length && buffered[i + 1] == '\r' ? i + 2 : i + 1;
                if (next >= buffered.Length)
                {
                    break;
                }

                if (buffered[next] == '\n')
                {
                    var head = _buffer.AsMemory(_start, i + 1);
                    _start += next + 1;
                    return head.Span.EndsWith("\r\n"u8) ? head[..^2] : head[..^1];
                }
            }

            scanFrom = i;
            if (buffered.Length >= MaxHeadBytes)
            {
                throw new FormatException($"response head larger than {MaxHeadBytes / 1024} KiB");
            }

            if (await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new FormatException(_end == _start ? "connection closed before any response" : "connection closed in the middle of the response head");
            }
        }
    }

    /// <summary>One line (for chunk sizes and trailers) without its line break, at most <paramref name="maxLength"/> bytes.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, scanned + newline);
                _start += scanned + newline + 1;
                return line.Span.EndsWith("\r"u8) ? line[..^1] : line;
            }

            scanned = _end - _start;
            if (scanned > maxLength)
            {
                throw new FormatException($"chunk line longer than {maxLength} bytes");
            }

            if (await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new FormatException("connection closed in the middle of a chunked body");
            }
        }
    }

    /// <summary>Buffered bytes first, then the connection; 0 at end of stream.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            if (destination.Length >= _buffer.Length)
            {
                WaitReadableIfAllowed(cancellationToken);
                var direct = SyncIo ? _stream.Read(destination.Span) : await _stream.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
                ReceivedSinceWrite |= direct > 0;
                return direct;
            }

            if (await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return 0;
            }
        }

        var count = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }

    /// <summary>
    /// Blocking reads and writes for a connection the heartbeat loop's thread made itself (HttpConnector's
    /// ConnectOnThisThread), used on that thread: its socket then never waits in the socket engine, so it is never
    /// registered with the engine's epoll (an asynchronous read that has to wait once, as the first read over TLS 1.3
    /// does when the server's session tickets arrive before the answer, would register it for good). A read that
    /// blocks is bounded by the socket's receive timeout (the connect timeout, set by HttpConnector).
    /// </summary>
    private bool SyncIo => MadeOnBlockingThread && BlockingReads.Allowed;

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxHeadBytes));
            }
        }

        WaitReadableIfAllowed(cancellationToken);
        var read = SyncIo ? _stream.Read(_buffer.AsSpan(_end)) : await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        for (var i = _end; _firstCount < 2 && i < _end + read; i++, _firstCount++)
        {
            _firstBytes = (_firstBytes << 8) | _buffer[i];
        }

        _end += read;
        ReceivedSinceWrite |= read > 0;
        return read;
    }

    /// <summary>
    /// On a thread that may block (<see cref="BlockingReads"/>), waits in <c>poll(2)</c> until the socket has something
    /// to read (data, end of stream or an error), so the read that follows completes at once on this thread. Cancellation
    /// is seen within <see cref="BlockingWaitSliceMs"/>, a deadline of <see cref="BlockingReads.Bound"/> at once; the
    /// read itself then throws. Over TLS only before the first
    /// byte of an answer: later, <see cref="SslStream"/> may hold decrypted bytes the socket no longer shows.
    /// </summary>
    private void WaitReadableIfAllowed(CancellationToken cancellationToken)
    {
        if (!BlockingReads.Allowed || (ReceivedSinceWrite && _stream is not NetworkStream))
        {
            return;
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = BlockingReads.WaitMilliseconds(BlockingWaitSliceMs);
                if (wait == 0 || _socket.Poll(wait * 1000, SelectMode.SelectRead))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The read reports it.
        }
    }
}
