using System.Buffers.Text;
using System.Text;

namespace UPanel.Bench.Ingest;

/// <summary>Receives bytes into <paramref name="into"/>; 0 when the peer closed the connection.</summary>
internal delegate int Receive(Span<byte> into);

/// <summary>What the load generator needs of a response: its status, whether the connection stays open, its body's length.</summary>
internal readonly record struct HttpResponseHead(int Status, bool KeepAlive, long BodyLength);

/// <summary>
/// Reads HTTP/1.1 responses one after another from a connection, however its bytes arrive: the status line, the
/// headers, and the body skipped by its <c>Content-Length</c>, its chunks (Kestrel answers chunked when the endpoint
/// does not set a length: the panel's heartbeat and <c>/healthz</c> did until they set one), or up to the connection's end when it has
/// neither. Bytes received past one response are kept for the next. A malformed response is an
/// <see cref="InvalidDataException"/>, a connection closed before the response's end an <see cref="EndOfStreamException"/>.
/// </summary>
internal sealed class HttpResponseReader(Receive receive, int bufferSize = 16 * 1024)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;

    /// <summary>Forgets what was received: for a new connection.</summary>
    public void Reset() => _start = _end = 0;

    public HttpResponseHead Read()
    {
        var statusLine = ReadLine();
        // "HTTP/1.1 200 OK": the version, a space, three digits.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var statusDigits) || statusDigits != 3
            || (statusLine.Length > 12 && statusLine[12] != (byte)' '))
        {
            throw new InvalidDataException($"not an HTTP/1.x status line: {Text(statusLine)}");
        }

        var keepAlive = statusLine[7] == (byte)'1';
        var contentLength = -1L;
        var chunked = false;
        while (true)
        {
            var line = ReadLine();
            if (line.IsEmpty)
            {
                break;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new InvalidDataException($"not a header: {Text(line)}");
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var consumed) || consumed != value.Length || length < 0)
                {
                    throw new InvalidDataException($"Content-Length: {Text(value)}");
                }

                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = value.Length >= 7 && Ascii.EqualsIgnoreCase(value[^7..], "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                if (Contains(value, "close"u8))
                {
                    keepAlive = false;
                }
                else if (Contains(value, "keep-alive"u8))
                {
                    keepAlive = true;
                }
            }
        }

        // No body after 1xx, 204 and 304 (RFC 9112, 6.3); chunked wins over a length.
        if (status is < 200 or 204 or 304)
        {
            return new HttpResponseHead(status, keepAlive, 0);
        }

        if (chunked)
        {
            return new HttpResponseHead(status, keepAlive, SkipChunks());
        }

        if (contentLength >= 0)
        {
            Skip(contentLength);
            return new HttpResponseHead(status, keepAlive, contentLength);
        }

        return new HttpResponseHead(status, false, SkipToEnd());
    }

    private long SkipChunks()
    {
        var total = 0L;
        while (true)
        {
            var line = ReadLine();
            var extension = line.IndexOf((byte)';');
            var size = (extension >= 0 ? line[..extension] : line).Trim(" \t"u8);
            if (!Utf8Parser.TryParse(size, out long length, out var consumed, 'x') || consumed != size.Length || size.IsEmpty)
            {
                throw new InvalidDataException($"not a chunk size: {Text(line)}");
            }

            if (length == 0)
            {
                // Trailers, up to the blank line.
                while (!ReadLine().IsEmpty)
                {
                }

                return total;
            }

            Skip(length);
            total += length;
            if (!ReadLine().IsEmpty)
            {
                throw new InvalidDataException("a chunk longer than its size");
            }
        }
    }

    private void Skip(long count)
    {
        while (true)
        {
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
            if (count == 0)
            {
                return;
            }

            _start = _end = 0;
            Fill();
        }
    }

    private long SkipToEnd()
    {
        var total = (long)(_end - _start);
        _start = _end = 0;
        int received;
        while ((received = receive(_buffer)) > 0)
        {
            total += received;
        }

        return total;
    }

    /// <summary>The next line without its CRLF; valid until the next read.</summary>
    private ReadOnlySpan<byte> ReadLine()
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (found >= 0)
            {
                var line = _buffer.AsSpan(_start, found);
                _start += found + 2;
                return line;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new InvalidDataException($"a line longer than {_buffer.Length} bytes");
            }

            Fill();
        }
    }

    private void Fill()
    {
        var received = receive(_buffer.AsSpan(_end));
        if (received <= 0)
        {
            throw new EndOfStreamException("the connection was closed before the response's end");
        }

        _end += received;
    }

    private static bool Contains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        for (var i = 0; i + token.Length <= value.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(value.Slice(i, token.Length), token))
            {
                return true;
            }
        }

        return false;
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 80)]);
}
