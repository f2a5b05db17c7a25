using System.Net;
using System.Text;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// The client against servers that lie, stall or send garbage: every outcome is a correct response or an
/// <see cref="HttpTransportException"/>, promptly, and a connection in doubt is never reused.
/// </summary>
public sealed class Http1ClientHostileServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", "malformed chunk size line")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "malformed chunk size line")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloEXTRA\r\n0\r\n\r\n", "chunk longer than its size line says")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "connection closed in the middle of a chunk")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "connection closed with 5 bytes of the body still to come")]
    public async Task Broken_body_is_an_error_never_a_truncated_success(string response, string expected)
    {
        await using var server = ScriptedServer.AnsweringOnce(response);
        using var client = new Http1Client();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<HttpTransportException>(async () =>
        {
            using var answer = await client.SendAsync(HttpRequest.Get(server.Url("/")), timeout.Token);
            await answer.ReadBodyAsync(timeout.Token);
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "malformed Content-Length \"-1\"")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "malformed Content-Length \"99999999999999999999\"")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", "malformed Content-Length \"5, 6\"")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Evil: a\rb\r\n\r\n", "control character in header X-Evil")]
    [InlineData("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "malformed header line \" folded: x\"")]
    [InlineData("\0\0\0\0\r\n\r\n", "malformed status line \"????\"")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n", "malformed status line \"HTTP/1.1 099 Low\"")]
    public async Task Hostile_head_is_a_clear_error(string response, string expected)
    {
        await using var server = ScriptedServer.AnsweringOnce(response);
        using var client = new Http1Client();

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/")), Ct));

        Assert.Equal($"GET http://127.0.0.1:{server.Port}/: {expected}", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Head_over_64_KiB_is_refused_whether_one_endless_line_or_many_headers(bool oneLine)
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\n", ct);
            var piece = oneLine ? new string('a', 1024) : "X-Filler: " + new string('b', 1000) + "\r\n";
            for (var i = 0; i < 200; i++)
            {
                await c.WriteAsync(piece, ct);
            }

            await Task.Delay(Timeout.Infinite, ct);
        });
        using var client = new Http1Client();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/")), timeout.Token));

        Assert.EndsWith("response head larger than 64 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endless_interim_100_continue_heads_are_refused_after_64_KiB()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            while (true)
            {
                await c.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n", ct);
            }
        });
        using var client = new Http1Client();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/")), timeout.Token));

        Assert.EndsWith("interim (1xx) response heads larger than 64 KiB in all", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endless_chunk_trailers_are_refused_after_64_KiB()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n", ct);
            while (true)
            {
                await c.WriteAsync("X-Trailer: " + new string('t', 1000) + "\r\n", ct);
            }
        });
        using var client = new Http1Client();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<HttpTransportException>(async () =>
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), timeout.Token);
            await response.ReadBodyAsync(timeout.Token);
        });

        Assert.Contains("chunk trailers larger than 64 KiB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Server_trickling_a_byte_at_a_time_is_abandoned_when_the_caller_gives_up(bool inTheBody)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var trickled = 0;
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(inTheBody ? "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" : "HTTP/1.1 200 OK\r\nX-Slow: ", ct);
            while (true)
            {
                await c.WriteAsync("a", ct);
                if (Interlocked.Increment(ref trickled) == 5)
                {
                    await cancel.CancelAsync(); // the caller gives up in the middle of the trickle
                }

                await Task.Delay(50, ct); // the trickle's pace
            }
        });
        using var client = new Http1Client();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), cancel.Token);
            await response.ReadBodyAsync(cancel.Token);
        });

        // The server trickles forever: returning at all shows the caller's cancellation ended it, once the trickle ran.
        Assert.Equal("GET / HTTP/1.1", Assert.Single(server.Requests).RequestLine);
        Assert.True(Volatile.Read(ref trickled) >= 5, $"the server trickled {trickled} bytes");
    }

    [Fact]
    public async Task Connection_reset_in_the_middle_of_the_body_is_an_error()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('x', 1000), ct);
            c.Reset();
        });
        using var client = new Http1Client();
        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => response.ReadBodyAsync(Ct));

        Assert.StartsWith($"GET http://127.0.0.1:{server.Port}/: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_after_a_204_is_not_taken_for_the_next_response()
    {
        // The bytes after the 204 look like a whole response: had the connection gone back to the pool, the next
        // request would have read "evil!" as its answer.
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is { } request)
            {
                if (request.RequestLine.StartsWith("GET /204 ", StringComparison.Ordinal))
                {
                    await c.WriteAsync("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!", ct);
                }
                else
                {
                    await c.RespondAsync("good", ct);
                }
            }
        });
        using var client = new Http1Client();

        using (var first = await client.SendAsync(HttpRequest.Get(server.Url("/204")), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Empty(await first.ReadBodyAsync(Ct));
        }

        using var second = await client.SendAsync(HttpRequest.Get(server.Url("/next")), Ct);

        Assert.Equal("good", Encoding.ASCII.GetString(await second.ReadBodyAsync(Ct)));
        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task Content_length_with_chunked_reads_the_chunks_and_does_not_reuse_the_connection()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", ct);
            }
        });
        using var client = new Http1Client();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);
            Assert.Equal("hello", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        }

        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task Connection_after_101_switching_protocols_is_not_reused()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is { } request)
            {
                await c.WriteAsync(
                    request.RequestLine.StartsWith("GET /upgrade ", StringComparison.Ordinal)
                        ? "HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: upgrade\r\n\r\n"
                        : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ct);
            }
        });
        using var client = new Http1Client();

        using (var upgraded = await client.SendAsync(HttpRequest.Get(server.Url("/upgrade")), Ct))
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, upgraded.StatusCode);
        }

        using var next = await client.SendAsync(HttpRequest.Get(server.Url("/next")), Ct);

        Assert.Equal("ok", Encoding.ASCII.GetString(await next.ReadBodyAsync(Ct)));
        Assert.Equal(2, server.ConnectionCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Response_given_up_before_its_end_never_returns_its_connection_to_the_pool(bool cancelled)
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                // Half the body now, the rest only after the next request: a reused connection would answer "rest...".
                await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nhalf", ct);
                if (await c.ReadRequestAsync(ct) is null)
                {
                    return;
                }

                await c.WriteAsync("rest", ct);
            }
        });
        using var client = new Http1Client();

        using (var first = await client.SendAsync(HttpRequest.Get(server.Url("/events")), Ct))
        {
            var buffer = new byte[4];
            Assert.Equal(4, await first.Body.ReadAtLeastAsync(buffer, 4, cancellationToken: Ct));
            if (cancelled)
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.ReadBodyAsync(cancel.Token));
            }
        }

        using var second = await client.SendAsync(HttpRequest.Get(server.Url("/next")), Ct);

        var start = new byte[4];
        await second.Body.ReadExactlyAsync(start, Ct);

        Assert.Equal("half", Encoding.ASCII.GetString(start));
        Assert.Equal(2, server.ConnectionCount);
    }
}
