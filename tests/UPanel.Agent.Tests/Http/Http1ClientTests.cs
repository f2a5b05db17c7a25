using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>The agent's HTTP/1.1 client against real sockets on 127.0.0.1 whose answers are scripted byte for byte.</summary>
public sealed class Http1ClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Post_sends_origin_form_host_user_agent_authorization_and_a_content_length_body()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.RespondAsync("{\"status\":\"ok\"}", ct);
        });
        using var client = new Http1Client();

        using var response = await client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat?x=1"), "{\"a\":1}"u8.ToArray(), "application/json; charset=utf-8", "Bearer t0ken"), Ct);
        var body = await response.ReadBodyAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"ok\"}", Encoding.UTF8.GetString(body));
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST /api/agent/heartbeat?x=1 HTTP/1.1", request.RequestLine);
        Assert.Equal($"127.0.0.1:{server.Port}", request.Header("Host"));
        Assert.Equal($"upanel-agent/{AgentInfo.Version}", request.Header("User-Agent"));
        Assert.Equal("Bearer t0ken", request.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("7", request.Header("Content-Length"));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(request.Body));
    }

    [Fact]
    public async Task Ipv6_literal_is_dialled_and_sent_in_brackets()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.RespondAsync("v6", ct);
        }, address: IPAddress.IPv6Loopback);
        using var client = new Http1Client();

        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/", host: "[::1]")), Ct);

        Assert.Equal("v6", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        Assert.Equal($"[::1]:{server.Port}", Assert.Single(server.Requests).Header("Host"));
    }

    [Fact]
    public async Task Chunked_body_with_extensions_and_trailers_is_read_whole()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n", ct);
            await c.ReadRequestAsync(ct); // keeps the connection open until the client is done
        });
        using var client = new Http1Client();

        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);

        Assert.Equal("hello 0123456789", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
    }

    [Fact]
    public async Task Response_arriving_one_byte_per_tcp_segment_is_read_intact()
    {
        var chunkedBody = string.Concat(Enumerable.Range(0, 20).Select(i => $"3\r\n{i:000}\r\n")) + "0\r\n\r\n";
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteBytewiseAsync("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Long-Header: " + new string('h', 300) + "\r\n\r\nhello world", ct);
            await c.ReadRequestAsync(ct);
            await c.WriteBytewiseAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody, ct);
            await c.ReadRequestAsync(ct);
        });
        using var client = new Http1Client();

        using (var first = await client.SendAsync(HttpRequest.Get(server.Url("/a")), Ct))
        {
            Assert.Equal(new string('h', 300), first.Header("x-long-header"));
            Assert.Equal("hello world", Encoding.ASCII.GetString(await first.ReadBodyAsync(Ct)));
        }

        using var second = await client.SendAsync(HttpRequest.Get(server.Url("/b")), Ct);
        Assert.Equal(string.Concat(Enumerable.Range(0, 20).Select(i => $"{i:000}")), Encoding.ASCII.GetString(await second.ReadBodyAsync(Ct)));
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task Body_delimited_by_close_is_read_to_the_end_and_the_connection_not_reused()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\n\r\nuntil the end", ct);
            c.Close();
        });
        using var client = new Http1Client();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);
            Assert.Equal("until the end", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        }

        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task Two_requests_reuse_one_kept_alive_connection()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                await c.RespondAsync($"connection {c.Index}", ct);
            }
        });
        using var client = new Http1Client();

        var bodies = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);
            bodies.Add(Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        }

        Assert.Equal(["connection 0", "connection 0"], bodies);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Connection_past_its_lifetime_is_kept_while_its_host_resolves_to_its_address_and_replaced_when_not()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                await c.RespondAsync($"connection {c.Index}", ct);
            }
        });
        var time = new FakeTimeProvider();
        var resolved = new List<string>();
        IPAddress[] answer = [IPAddress.Loopback];
        using var client = new Http1Client(new Http1ClientOptions
        {
            Time = time,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromHours(1),
            ResolveHost = (host, _) =>
            {
                resolved.Add(host);
                return Task.FromResult(answer);
            },
        });

        async Task<string> Get(string host)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/", host: host)), Ct);
            return Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct));
        }

        var bodies = new List<string> { await Get("localhost") };
        time.Advance(TimeSpan.FromMinutes(4));
        bodies.Add(await Get("localhost")); // within the lifetime: no look-up
        time.Advance(TimeSpan.FromMinutes(2));
        bodies.Add(await Get("localhost")); // past it, still 127.0.0.1: kept, its lifetime starts again
        time.Advance(TimeSpan.FromMinutes(4));
        bodies.Add(await Get("localhost")); // within the new lifetime: no look-up
        time.Advance(TimeSpan.FromMinutes(2));
        answer = [IPAddress.Parse("192.0.2.1")];
        bodies.Add(await Get("localhost")); // past it, moved: a new connection
        bodies.Add(await Get("127.0.0.1")); // another origin: its own connection
        time.Advance(TimeSpan.FromMinutes(6));
        bodies.Add(await Get("127.0.0.1")); // past its lifetime, an address in the URL: nothing to look up, kept
        answer = [];
        bodies.Add(await Get("localhost")); // past its lifetime, the name no longer resolves: replaced

        Assert.Equal(["connection 0", "connection 0", "connection 0", "connection 0", "connection 1", "connection 2", "connection 2", "connection 3"], bodies);
        Assert.Equal(["localhost", "localhost", "localhost"], resolved);
        Assert.Equal(4, server.ConnectionCount);
    }

    [Fact]
    public async Task Connection_close_in_the_response_is_honoured()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.RespondAsync("x", ct, "Connection: close\r\n");
            await c.ReadRequestAsync(ct);
        });
        using var client = new Http1Client();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);
            await response.ReadBodyAsync(Ct);
        }

        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task Idle_connection_the_server_closed_is_replaced_by_a_fresh_one()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.RespondAsync("ok", ct);
            c.Close(); // as a server's idle timeout does, without saying Connection: close
        });
        using var client = new Http1Client();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);
            Assert.Equal("ok", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        }

        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task Request_on_a_reused_connection_closed_before_any_answer_is_retried_once_on_a_fresh_one()
    {
        // The first connection answers once, then takes the second request and closes without a byte: the race where
        // the server times the idle connection out just as the client reuses it.
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            if (c.Index == 0)
            {
                await c.RespondAsync("first", ct);
                await c.ReadRequestAsync(ct);
                c.Close();
                return;
            }

            await c.RespondAsync("retried", ct);
            await c.ReadRequestAsync(ct);
        });
        using var client = new Http1Client();
        using (var first = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct))
        {
            await first.ReadBodyAsync(Ct);
        }

        using var second = await client.SendAsync(HttpRequest.Post(server.Url("/"), "hb"u8.ToArray(), "text/plain", null), Ct);

        Assert.Equal("retried", Encoding.ASCII.GetString(await second.ReadBodyAsync(Ct)));
        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["GET / HTTP/1.1", "POST / HTTP/1.1", "POST / HTTP/1.1"], server.Requests.Select(r => r.RequestLine).Order().ToArray());
    }

    [Fact]
    public async Task Fresh_connection_closed_before_any_answer_fails_without_a_retry()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            c.Close();
        });
        using var client = new Http1Client();

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/x?secret=1")), Ct));

        Assert.Equal($"GET http://127.0.0.1:{server.Port}/x: connection closed before any response", error.Message);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task Body_over_the_limit_by_content_length_is_refused_before_reading_it()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n", ct);
            await c.ReadRequestAsync(ct);
        });
        using var client = new Http1Client(new Http1ClientOptions { MaxResponseBodyBytes = 1000 });
        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/big")), Ct);

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => response.ReadBodyAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"GET http://127.0.0.1:{server.Port}/big: the response body (1000000 bytes) exceeds the limit of 1000 bytes", error.Message);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_cut_off_with_an_error()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            for (var i = 0; i < 100; i++)
            {
                await c.WriteAsync($"64\r\n{new string('x', 100)}\r\n", ct);
            }

            await c.WriteAsync("0\r\n\r\n", ct);
            await c.ReadRequestAsync(ct);
        });
        using var client = new Http1Client(new Http1ClientOptions { MaxResponseBodyBytes = 1000 });
        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/big")), Ct);

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => response.ReadBodyAsync(Ct));

        Assert.EndsWith("the response body (more than 1000 bytes) exceeds the limit of 1000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n", "malformed status line \"HTTP/2 200 OK\"")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", "malformed status line \"SSH-2.0-OpenSSH_9.2\"")]
    [InlineData("HTTP/1.1 2OO OK\r\n\r\n", "malformed status line \"HTTP/1.1 2OO OK\"")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line \"no colon here\"")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "malformed Content-Length \"12x\"")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "conflicting Content-Length headers (5, 6)")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Le", "connection closed in the middle of the response head")]
    public async Task Malformed_response_head_is_a_clear_error_without_a_hang(string response, string expected)
    {
        await using var server = ScriptedServer.AnsweringOnce(response);
        using var client = new Http1Client();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/")), timeout.Token));

        Assert.Equal($"GET http://127.0.0.1:{server.Port}/: {expected}", error.Message);
    }

    [Fact]
    public async Task Body_cut_short_by_the_server_is_an_error()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", ct);
            c.Close();
        });
        using var client = new Http1Client();
        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => response.ReadBodyAsync(Ct));

        Assert.Contains("connection closed with 5 bytes of the body still to come", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_that_accepts_and_never_answers_is_abandoned_as_soon_as_the_caller_cancels()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await cancel.CancelAsync(); // the caller gives up once the whole request is in
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var client = new Http1Client();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(HttpRequest.Get(server.Url("/")), cancel.Token));

        // The server never answers: returning at all shows the cancellation ended it, after the request was sent.
        Assert.Equal("GET / HTTP/1.1", Assert.Single(server.Requests).RequestLine);
    }

    [Fact]
    public async Task Stream_body_that_stalls_is_abandoned_as_soon_as_the_caller_cancels()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nline1\n\r\n", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var client = new Http1Client();
        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/events")), Ct);
        using var reader = new StreamReader(response.Body);
        using var cancel = new CancellationTokenSource();

        Assert.Equal("line1", await reader.ReadLineAsync(Ct));
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadLineAsync(cancel.Token));
    }

    [Fact]
    public async Task Refused_connection_names_the_request_and_keeps_the_socket_error()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var client = new Http1Client();

        var error = await Assert.ThrowsAsync<HttpTransportException>(
            () => client.SendAsync(HttpRequest.Get(new Uri($"http://user:pw@127.0.0.1:{port}/p?q=s")), Ct));

        Assert.StartsWith($"GET http://127.0.0.1:{port}/p: cannot connect to 127.0.0.1:{port} (", error.Message, StringComparison.Ordinal);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer a\r\nX-Injected: 1")]
    [InlineData("Bearer tök")]
    public async Task Header_value_with_controls_or_non_ascii_is_refused_before_connecting(string authorization)
    {
        await using var server = new ScriptedServer((c, ct) => c.ReadRequestAsync(ct));
        using var client = new Http1Client();

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => client.SendAsync(HttpRequest.Post(server.Url("/"), [], "text/plain", authorization), Ct));

        Assert.DoesNotContain(authorization, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Unix_socket_requests_carry_the_url_host_and_reuse_the_connection()
    {
        var path = Path.Combine(Path.GetTempPath(), $"upanel-http-{Guid.NewGuid():N}.sock");
        try
        {
            await using var server = new ScriptedServer(async (c, ct) =>
            {
                while (await c.ReadRequestAsync(ct) is not null)
                {
                    await c.RespondAsync("{}", ct);
                }
            }, unixSocketPath: path);
            using var client = new Http1Client(new Http1ClientOptions { UnixSocketPath = path });

            for (var i = 0; i < 2; i++)
            {
                using var response = await client.SendAsync(HttpRequest.Get(new Uri("http://docker/v1.41/version")), Ct);
                Assert.Equal("{}", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
            }

            Assert.Equal(1, server.ConnectionCount);
            Assert.All(server.Requests, r => Assert.Equal("docker", r.Header("Host")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Missing_unix_socket_is_named_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"upanel-http-missing-{Guid.NewGuid():N}.sock");
        using var client = new Http1Client(new Http1ClientOptions { UnixSocketPath = path });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(new Uri("http://docker/version")), Ct));

        Assert.StartsWith($"GET /version on unix://{path}: cannot connect to unix://{path} (", error.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(error.InnerException);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_a_connection_and_the_idle_ones_are_kept_up_to_the_limit()
    {
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            var first = true;
            while (await c.ReadRequestAsync(ct) is not null)
            {
                if (first && Interlocked.Increment(ref arrived) == 3)
                {
                    allArrived.TrySetResult();
                }

                first = false;
                await allArrived.Task.WaitAsync(ct); // all three are in flight at once
                await c.RespondAsync("ok", ct);
            }
        });
        using var client = new Http1Client(new Http1ClientOptions { MaxIdleConnections = 2 });

        async Task<string> GetAsync()
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);
            return Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct));
        }

        Assert.Equal(["ok", "ok", "ok"], await Task.WhenAll(GetAsync(), GetAsync(), GetAsync()));
        Assert.Equal(3, server.ConnectionCount);

        // Two were kept: two more requests one after the other open no new connection.
        Assert.Equal("ok", await GetAsync());
        Assert.Equal("ok", await GetAsync());
        Assert.Equal(3, server.ConnectionCount);
    }
}
