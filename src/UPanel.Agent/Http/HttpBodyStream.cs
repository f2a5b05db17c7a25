using System.Globalization;
using System.Net.Sockets;

namespace UPanel.Agent.Http;

/// <summary>
/// A response body as a read-only stream: by Content-Length, chunked, or until the server closes. Failures become
/// <see cref="HttpTransportException"/> naming the request; cancellation through the token passed to a read.
/// </summary>
internal sealed class HttpBodyStream : Stream
{
    private const int MaxChunkLineBytes = 4096;

    private readonly HttpConnection _connection;
    private readonly HttpBodyFraming _framing;
    private readonly string _operation;
    private long _remaining;
    private bool _inChunk;

    public HttpBodyStream(HttpConnection connection, HttpResponseHead head, string operation)
    {
        _connection = connection;
        _framing = head.Framing;
        _operation = operation;
        _remaining = head.ContentLength;
        IsComplete = head.Framing == HttpBodyFraming.None;
    }

    /// <summary>The whole body has been read (and, chunked, its trailers): the connection is at the next response.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>A read failed: the connection is in an unknown state.</summary>
    public bool Failed { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (IsComplete || buffer.IsEmpty)
        {
            return 0;
        }

        try
        {
            return _framing switch
            {
                HttpBodyFraming.ContentLength => await ReadLengthAsync(buffer, cancellationToken).ConfigureAwait(false),
                HttpBodyFraming.Chunked => await ReadChunkedAsync(buffer, cancellationToken).ConfigureAwait(false),
                _ => await ReadUntilCloseAsync(buffer, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception e) when (e is IOException or SocketException or FormatException or ObjectDisposedException)
        {
            Failed = true;
            cancellationToken.ThrowIfCancellationRequested();
            throw e as HttpTransportException ?? new HttpTransportException($"{_operation}: reading the response body failed ({e.Message})", e);
        }
        catch (OperationCanceledException)
        {
            Failed = true;
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask<int> ReadLengthAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await _connection.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new FormatException($"connection closed with {_remaining} bytes of the body still to come");
        }

        _remaining -= read;
        IsComplete = _remaining == 0;
        return read;
    }

    private async ValueTask<int> ReadUntilCloseAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await _connection.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        IsComplete = read == 0;
        return read;
    }

    private async ValueTask<int> ReadChunkedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_inChunk)
        {
            _remaining = ParseChunkSize((await _connection.ReadLineAsync(MaxChunkLineBytes, cancellationToken).ConfigureAwait(false)).Span);
            if (_remaining == 0)
            {
                // Trailers (ignored) up to the blank line, bounded as a head is: endless ones would keep the agent
                // reading for its whole timeout.
                var trailerBytes = 0;
                ReadOnlyMemory<byte> line;
                while (!(line = await _connection.ReadLineAsync(MaxChunkLineBytes, cancellationToken).ConfigureAwait(false)).IsEmpty)
                {
                    trailerBytes += line.Length + 2;
                    if (trailerBytes > HttpConnection.MaxHeadBytes)
                    {
                        throw new FormatException($"chunk trailers larger than {HttpConnection.MaxHeadBytes / 1024} KiB");
                    }
                }

                IsComplete = true;
                return 0;
            }

            _inChunk = true;
        }

        var read = await _connection.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new FormatException("connection closed in the middle of a chunk");
        }

        _remaining -= read;
        if (_remaining == 0)
        {
            if (!(await _connection.ReadLineAsync(MaxChunkLineBytes, cancellationToken).ConfigureAwait(false)).IsEmpty)
            {
                throw new FormatException("chunk longer than its size line says");
            }

            _inChunk = false;
        }

        return read;
    }

    /// <summary>Hex digits, optionally followed by ";extensions" (ignored).</summary>
    private static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var digits = (semicolon < 0 ? line : line[..semicolon]).Trim(" \t"u8);
        Span<char> text = stackalloc char[16];
        if (digits.IsEmpty || digits.Length > 15)
        {
            throw new FormatException("malformed chunk size line");
        }

        for (var i = 0; i < digits.Length; i++)
        {
            text[i] = (char)digits[i];
        }

        return long.TryParse(text[..digits.Length], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size)
            ? size
            : throw new FormatException("malformed chunk size line");
    }
}
