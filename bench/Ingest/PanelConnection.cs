using System.Net;
using System.Net.Sockets;

namespace UPanel.Bench.Ingest;

/// <summary>
/// One keep-alive HTTP/1.1 connection of the load generator, used by one thread, one request at a time: write the
/// request, read the response (<see cref="HttpResponseReader"/>), next. Blocking calls on a thread of its own: no
/// event loop or thread pool between the _socket and the next request, so the generator takes less of the CPU it
/// shares with the panel. Connects on first use and again after the panel closed the connection or broke it.
/// </summary>
internal sealed class PanelConnection(EndPoint panel) : IDisposable
{
    private Socket? _socket;
    private HttpResponseReader? _reader;

    /// <summary>
    /// Sends <paramref name="request"/> and reads its answer: the status, or 0 when there is none (connection refused,
    /// closed or reset before the response's end, or a malformed response), in which case the connection is closed and
    /// the next request opens another.
    /// </summary>
    public int Send(ReadOnlySpan<byte> request)
    {
        try
        {
            if (_socket is null)
            {
                var opened = new Socket(panel.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    opened.Connect(panel);
                }
                catch
                {
                    opened.Dispose();
                    throw;
                }

                _socket = opened;
                _reader ??= new HttpResponseReader(into => _socket!.Receive(into));
                _reader.Reset();
            }

            while (!request.IsEmpty)
            {
                request = request[_socket.Send(request)..];
            }

            var response = _reader!.Read();
            if (!response.KeepAlive)
            {
                Close();
            }

            return response.Status;
        }
        catch (Exception exception) when (exception is SocketException or IOException or InvalidDataException or ObjectDisposedException)
        {
            Close();
            return 0;
        }
    }

    public void Dispose() => Close();

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }
}
