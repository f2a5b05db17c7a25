using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// A connect that never completes, produced on loopback: a listener that never accepts and whose accept queue is
/// full makes the kernel drop further SYNs, so the next connect hangs in SYN retransmission.
/// </summary>
public sealed class Http1ClientConnectTimeoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connect_that_never_completes_fails_after_the_connect_timeout_naming_the_host()
    {
        const int backlog = 1;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var filling = new List<Socket>();
        try
        {
            // Fill the accept queue: once it holds more than the backlog, the kernel drops further SYNs. Each connect is
            // seen in the queue (the kernel's count) before the next, instead of taking a connect that did not complete
            // within some time for a full queue: on a loaded host a connect that did complete can be seen late, and the
            // client's connect would then succeed.
            while (filling.Count <= backlog)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                filling.Add(socket);
                await socket.ConnectAsync(endPoint, Ct);
                await Poll.UntilAsync(
                    () => AcceptQueueLength(endPoint.Port) == filling.Count, $"{filling.Count} connections in the accept queue",
                    TimeSpan.FromSeconds(30), () => $"{AcceptQueueLength(endPoint.Port)} queued");
            }

            // The bound runs on the client's clock: a fake one here, moved by the test, so the assertions hold on a
            // loaded machine and show the connect is given up at the bound, not before it.
            var fake = new FakeTimeProvider();
            var clock = new TimerRecordingTimeProvider(fake);
            using var client = new Http1Client(new Http1ClientOptions { ConnectTimeout = TimeSpan.FromSeconds(1), Time = clock });
            var sending = client.SendAsync(HttpRequest.Get(new Uri($"http://127.0.0.1:{endPoint.Port}/health")), Ct);

            for (var waited = 0; clock.DueTimes.Count == 0 && waited < 30_000; waited += 10)
            {
                await Task.Delay(10, Ct); // polls for the connect to have begun
            }

            Assert.Equal([TimeSpan.FromSeconds(1)], clock.DueTimes); // the connect's one bound
            fake.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
            Assert.False(sending.IsCompleted, $"gave up before the bound: {sending.Exception?.InnerException?.Message}");

            fake.Advance(TimeSpan.FromTicks(1));
            var error = await Assert.ThrowsAsync<HttpTransportException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30), Ct));

            Assert.Equal($"GET http://127.0.0.1:{endPoint.Port}/health: no connection to 127.0.0.1:{endPoint.Port} within 1 s", error.Message);
            Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
        }
        finally
        {
            filling.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Connections waiting in the accept queue of the listener on 127.0.0.1:<paramref name="port"/> (rx_queue of a listening socket in /proc/net/tcp).</summary>
    internal static int AcceptQueueLength(int port)
    {
        var local = $"0100007F:{port:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == local && fields[3] == "0A") // TCP_LISTEN
            {
                return int.Parse(fields[4].AsSpan(fields[4].IndexOf(':') + 1), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no listening socket on 127.0.0.1:{port} in /proc/net/tcp");
    }
}
