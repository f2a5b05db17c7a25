using System.Net;
using System.Net.Sockets;
using System.Text;
using UPanel.Bench.Ingest;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Bench;

/// <summary>
/// bench/Ingest's connection against the real panel and against a peer that closes it: every request counted by the
/// answer it got, a broken connection an error and then opened again.
/// </summary>
public sealed class PanelConnectionTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    [Fact]
    public async Task Heartbeats_and_the_ceilings_request_on_one_kept_connection_are_each_answered_and_stored()
    {
        var panel = fixture.Host;
        var servers = new List<(string Id, string Token)>();
        for (var i = 0; i < 4; i++)
        {
            var server = await panel.NewServerAsync($"bench-{i}");
            servers.Add((server.ServerId, server.AgentToken));
        }

        var request = HeartbeatTemplate.Create(panel.BaseAddress.Authority, servers).NewRequest();
        var healthz = Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\nHost: {panel.BaseAddress.Authority}\r\n\r\n");
        var statuses = new List<int>();
        var ids = new List<string>();
        using (var connection = new PanelConnection(new IPEndPoint(IPAddress.Loopback, panel.BaseAddress.Port)))
        {
            // Blocking calls, as on the bench's threads: off the test's own thread.
            await Task.Run(() =>
            {
                for (var n = 0; n < 8; n++)
                {
                    var id = $"01JBENCH{n:D18}";
                    ids.Add(id);
                    statuses.Add(connection.Send(request.Write(n % 4, n, n / 4 + 1, panel.Clock.GetUtcNow(), id)));
                    statuses.Add(connection.Send(healthz));
                }
            }, TestContext.Current.CancellationToken);
        }

        Assert.All(statuses, status => Assert.Equal(200, status));
        var stored = new List<string?>();
        foreach (var (id, _) in servers)
        {
            stored.AddRange((await panel.Store.GetHeartbeatsAsync(id, null, 10, TestContext.Current.CancellationToken)).Select(h => h.HeartbeatId));
        }

        Assert.Equal(ids.Order(), stored.Order());
    }

    [Fact]
    public async Task A_connection_the_peer_closes_before_answering_is_an_error_and_the_next_request_opens_another()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"u8.ToArray();
        var peer = Task.Run(async () =>
        {
            // The first connection: one answer, then closed after the next request arrives, unanswered.
            using (var first = await listener.AcceptSocketAsync())
            {
                await ReadRequestAsync(first);
                await first.SendAsync(answer);
                await ReadRequestAsync(first);
            }

            using var second = await listener.AcceptSocketAsync();
            await ReadRequestAsync(second);
            await second.SendAsync(answer);
            await ReadRequestAsync(second);
        }, TestContext.Current.CancellationToken);

        var request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        var statuses = await Task.Run(() =>
        {
            using var connection = new PanelConnection(listener.LocalEndpoint);
            return new[] { connection.Send(request), connection.Send(request), connection.Send(request) };
        }, TestContext.Current.CancellationToken);

        await peer.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal([200, 0, 200], statuses);
    }

    /// <summary>Up to the blank line that ends a request without a body; returns at the connection's end too.</summary>
    private static async Task ReadRequestAsync(Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[256];
        while (!received.ToArray().AsSpan().EndsWith("\r\n\r\n"u8))
        {
            var n = await socket.ReceiveAsync(buffer);
            if (n == 0)
            {
                return;
            }

            received.AddRange(buffer.AsSpan(0, n));
        }
    }
}
