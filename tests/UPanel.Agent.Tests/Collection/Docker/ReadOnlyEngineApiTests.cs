using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// Mounting the Docker socket read-only does not make the Engine API read-only: whoever can write to the socket can
/// start a privileged container. The agent holds itself to these read-only calls (docs/security.md); this test runs
/// every path of the container source and the event watcher against the real engine and checks each request.
/// </summary>
public sealed partial class ReadOnlyEngineApiTests
{
    /// <summary>The whole list of what the agent may ask the engine, by request line.</summary>
    private static readonly Regex[] Allowed =
    [
        VersionRegex(), // asked only of an engine newer than the client (DockerApiNegotiationTests), not of the one here
        PingRegex(),
        ListRegex(),
        InspectRegex(),
        StatsRegex(),
        EventsRegex(),
    ];

    [Fact]
    public async Task The_agent_only_calls_read_only_engine_endpoints()
    {
        RequiredServices.Docker();
        await using var relay = FakeEngineSocket.RelayingTo("/var/run/docker.sock");
        var name = $"upt-{Guid.NewGuid().ToString("N")[..6]}-readonly";
        var id = await DockerCli.StartAsync(name, [], "sleep", "3600");
        try
        {
            // No cgroup files under this sys root: stats come from the engine, so that path is taken too. The engine
            // answers a stats call per container (other tests' too) and can take longer than the agent's 4 s budget
            // on a loaded machine; this test is about which calls are made, so the budget is generous.
            using var source = new DockerContainerSource(
                relay.Endpoint, new HostFiles("/proc", "/nonexistent-upanel-sys", "/"), NullLogger.Instance, TimeProvider.System,
                TimeSpan.FromSeconds(60), TimeSpan.Zero);
            var changed = new SemaphoreSlim(0);
            var watcher = new DockerEventWatcher(source, () => changed.Release(), NullLogger.Instance, TimeProvider.System);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var watching = watcher.RunAsync(stop.Token);

            Assert.True(await source.CollectAsync(TestContext.Current.CancellationToken) is not null, source.Status);
            await Poll.UntilAsync(() => relay.Requests.Any(r => r.Contains("/events?", StringComparison.Ordinal)), "the event stream's request", TimeSpan.FromSeconds(30));
            await DockerCli.RemoveAsync([id]);
            await changed.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(await source.CollectAsync(TestContext.Current.CancellationToken) is not null, source.Status);
            await stop.CancelAsync();
            try
            {
                await watching.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // How the watcher ends when told to stop.
            }
        }
        finally
        {
            await DockerCli.RemoveAsync([id]);
        }

        var requests = relay.Requests;
        Assert.All(requests, request => Assert.True(Allowed.Any(a => a.IsMatch(request)), $"not a read-only call the agent may make: {request}"));
        Assert.All(Allowed.Skip(1), endpoint => Assert.Contains(requests, r => endpoint.IsMatch(r)));
    }

    [GeneratedRegex(@"^GET /_ping$")]
    private static partial Regex PingRegex();

    [GeneratedRegex(@"^GET /version$")]
    private static partial Regex VersionRegex();

    [GeneratedRegex(@"^GET /v1\.\d+/containers/json\?all=1$")]
    private static partial Regex ListRegex();

    [GeneratedRegex(@"^GET /v1\.\d+/containers/[0-9a-f]{12,64}/json$")]
    private static partial Regex InspectRegex();

    [GeneratedRegex(@"^GET /v1\.\d+/containers/[0-9a-f]{12,64}/stats\?stream=false&one-shot=true$")]
    private static partial Regex StatsRegex();

    [GeneratedRegex(@"^GET /v1\.\d+/events\?filters=[^ ]+$")]
    private static partial Regex EventsRegex();
}
