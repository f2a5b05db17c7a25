using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class DockerApiClientLoopThreadTests
{
    [Fact]
    public async Task Requests_on_the_heartbeat_thread_keep_a_connection_of_their_own_apart_from_other_threads()
    {
        // A connection used by a thread-pool worker (an inspection, the CLI) may have waited asynchronously and so be
        // registered with the socket engine's epoll; the heartbeat loop's requests never take it.
        RequiredServices.Docker();
        await using var relay = FakeEngineSocket.RelayingTo("/var/run/docker.sock");
        using var client = new DockerApiClient(relay.Endpoint);
        var token = TestContext.Current.CancellationToken;

        await Task.Run(() => client.PingAsync(token), token);
        await Task.Run(() => client.PingAsync(token), token);
        var afterWorkers = relay.Connections;
        var loop = new Thread(() =>
        {
            BlockingReads.AllowOnThisThread();
            client.PingAsync(token).GetAwaiter().GetResult();
            client.PingAsync(token).GetAwaiter().GetResult();
            client.ListContainersAsync(token).GetAwaiter().GetResult();
        })
        { Name = "upanel-heartbeat" };
        loop.Start();
        loop.Join();
        var afterLoop = relay.Connections;
        await Task.Run(() => client.PingAsync(token), token);

        Assert.Equal(1, afterWorkers); // kept and used again between workers
        Assert.Equal(2, afterLoop); // one more, kept for the loop's own requests
        Assert.Equal(2, relay.Connections); // the workers' connection is still there for them
        Assert.Equal(6, relay.Requests.Count(r => r == "GET /_ping")); // five, and the list's negotiation
    }
}
