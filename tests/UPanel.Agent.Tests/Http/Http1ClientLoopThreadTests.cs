using System.Net;
using System.Net.Sockets;
using System.Text;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// Connections made on the heartbeat loop's thread (<see cref="BlockingReads"/>): connected and, over https, shaken
/// hands with in blocking calls on that thread, so the socket never waits in the socket engine and its answers never
/// wake the engine's thread (docs/decisions/https-heartbeat-cost.md).
/// </summary>
public sealed class Http1ClientLoopThreadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Https_connection_made_on_the_heartbeat_thread_is_complete_when_the_call_returns_and_is_kept()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = TestCertificates.Trusting(certificate) });

        var answers = OnBlockingThread(() =>
        {
            var completed = new List<bool>();
            var bodies = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                var task = client.SendAsync(
                    HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct);
                completed.Add(task.IsCompleted);
                using var response = task.GetAwaiter().GetResult();
                bodies.Add($"{(int)response.StatusCode} {Encoding.ASCII.GetString(response.ReadBodyAsync(Ct).GetAwaiter().GetResult())}");
            }

            return (completed, bodies);
        });

        // The first request's TCP connect and TLS handshake did not wait asynchronously (they would on another thread).
        Assert.Equal([true, true], answers.completed);
        Assert.Equal(["200 {\"status\":\"ok\"}", "200 {\"status\":\"ok\"}"], answers.bodies);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task Plain_http_connection_made_on_the_heartbeat_thread_is_complete_when_the_call_returns()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                await c.RespondAsync("{}", ct);
            }
        });
        using var client = new Http1Client();

        var (completed, status) = OnBlockingThread(() =>
        {
            var task = client.SendAsync(HttpRequest.Get(server.Url("/health")), Ct);
            var done = task.IsCompleted;
            using var response = task.GetAwaiter().GetResult();
            return (done, (int)response.StatusCode);
        });

        Assert.True(completed);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Heartbeat_thread_replaces_a_connection_another_thread_made_and_keeps_its_own()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = TestCertificates.Trusting(certificate) });
        async Task<int> Send()
        {
            using var response = await client.SendAsync(
                HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct);
            await response.ReadBodyAsync(Ct);
            return (int)response.StatusCode;
        }

        // The first heartbeat sent from a worker (its sample waited asynchronously), the next ones from the loop's thread.
        var statuses = new List<int> { await Task.Run(Send, Ct) };
        var afterWorker = server.ConnectionCount;
        statuses.AddRange(OnBlockingThread(() => new[] { Send().GetAwaiter().GetResult(), Send().GetAwaiter().GetResult() }));

        Assert.Equal([200, 200, 200], statuses);
        Assert.Equal(1, afterWorker);
        Assert.Equal(2, server.ConnectionCount); // one made by the loop's thread, then kept
    }

    [Fact]
    public async Task Untrusted_certificate_on_the_heartbeat_thread_fails_as_on_any_other_thread()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client();

        var error = OnBlockingThread(() => Record.Exception(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct)
            .GetAwaiter().GetResult()));

        var transport = Assert.IsType<HttpTransportException>(error);
        Assert.StartsWith(
            $"POST https://127.0.0.1:{server.Port}/api/agent/heartbeat: TLS: the certificate of 127.0.0.1 is not trusted (UntrustedRoot): ",
            transport.Message,
            StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", transport.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Closed_port_on_the_heartbeat_thread_fails_naming_the_address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new Http1Client();

        var error = OnBlockingThread(() => Record.Exception(() => client.SendAsync(HttpRequest.Get(new Uri($"http://127.0.0.1:{port}/p")), Ct)
            .GetAwaiter().GetResult()));

        var transport = Assert.IsType<HttpTransportException>(error);
        Assert.StartsWith($"GET http://127.0.0.1:{port}/p: cannot connect to 127.0.0.1:{port} (", transport.Message, StringComparison.Ordinal);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(transport.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task Stopping_ends_a_connect_the_heartbeat_thread_is_blocked_in()
    {
        // A listener whose accept queue is full drops further SYNs, so the blocking connect waits; the agent stopping
        // (cancellation) must end it at once, not at the 30 s connect timeout.
        using var queue = await FullAcceptQueue.CreateAsync(Ct);
        using var client = new Http1Client(new Http1ClientOptions { ConnectTimeout = TimeSpan.FromSeconds(30) });
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stopping.CancelAfter(TimeSpan.FromMilliseconds(300));
        var took = System.Diagnostics.Stopwatch.StartNew();

        var error = OnBlockingThread(() => Record.Exception(() => client.SendAsync(
            HttpRequest.Get(new Uri($"http://127.0.0.1:{queue.EndPoint.Port}/health")), stopping.Token).GetAwaiter().GetResult()));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(took.Elapsed < TimeSpan.FromSeconds(20), $"the connect ended after {took.Elapsed.TotalSeconds:F1} s, at its timeout");
    }

    private static T OnBlockingThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            BlockingReads.AllowOnThisThread();
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("the work failed on the blocking thread", failure);
    }
}
