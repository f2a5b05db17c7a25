using System.Net;

namespace UPanel.Agent.Http;

/// <summary>
/// A response whose head has arrived. Read the body once, as bytes (<see cref="ReadBodyAsync"/>) or as a stream
/// (<see cref="Body"/>, e.g. an endless event stream); disposing gives the connection back for reuse when the body was
/// read to its end and the server keeps it open, and closes it otherwise.
/// </summary>
internal sealed class HttpResponse : IDisposable
{
    private readonly HttpResponseHead _head;
    private readonly HttpBodyStream _body;
    private readonly string _operation;
    private readonly int _maxBodyBytes;
    private Action<HttpConnection, bool>? _release;
    private HttpConnection? _connection;

    internal HttpResponse(
        HttpResponseHead head, HttpConnection connection, string operation, int maxBodyBytes, Action<HttpConnection, bool> release)
    {
        _head = head;
        _connection = connection;
        _operation = operation;
        _maxBodyBytes = maxBodyBytes;
        _release = release;
        _body = new HttpBodyStream(connection, head, operation);
        if (_body.IsComplete)
        {
            Release();
        }
    }

    public HttpStatusCode StatusCode => (HttpStatusCode)_head.StatusCode;

    public bool IsSuccessStatusCode => _head.StatusCode is >= 200 and <= 299;

    public Stream Body => _body;

    /// <summary>The first header of that name (case-insensitive), or null.</summary>
    public string? Header(string name) => _head.Header(name);

    /// <summary>
    /// The whole body. A body over the client's limit throws <see cref="HttpTransportException"/> as soon as the
    /// Content-Length says so or the bytes read exceed it.
    /// </summary>
    public async Task<byte[]> ReadBodyAsync(CancellationToken cancellationToken)
    {
        if (_head.Framing == HttpBodyFraming.ContentLength && _head.ContentLength > _maxBodyBytes)
        {
            Release(failed: true);
            throw TooLarge($"{_head.ContentLength} bytes");
        }

        var buffer = new byte[_head.Framing == HttpBodyFraming.ContentLength ? (int)_head.ContentLength : Math.Min(4096, _maxBodyBytes + 1)];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length == _maxBodyBytes + 1 || (_head.Framing == HttpBodyFraming.ContentLength && _body.IsComplete))
                    {
                        break;
                    }

                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, _maxBodyBytes + 1L));
                }

                var read = await _body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        finally
        {
            if (!_body.IsComplete)
            {
                Release(failed: true);
            }
        }

        if (length > _maxBodyBytes)
        {
            throw TooLarge($"more than {_maxBodyBytes} bytes");
        }

        Release();
        return length == buffer.Length ? buffer : buffer[..length];
    }

    public void Dispose() => Release(failed: !_body.IsComplete);

    private HttpTransportException TooLarge(string size) =>
        new($"{_operation}: the response body ({size}) exceeds the limit of {_maxBodyBytes} bytes");

    private void Release(bool failed = false)
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            _release!(connection, !failed && _body.IsComplete && !_body.Failed && _head.KeepAlive);
            _release = null;
        }
    }
}
