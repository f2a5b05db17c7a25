using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class QuietEventStreamTests
{
    [Fact]
    public async Task Quiet_event_stream_reuses_the_list_and_inspects_nothing_while_uptime_keeps_counting()
    {
        RequiredServices.Docker();
        using var source = new DockerContainerSource(
            DockerEndpoint.Default, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System,
            RealEngine.CollectTimeout, TimeSpan.Zero);
        var id = await DockerCli.StartAsync($"upt-{Guid.NewGuid().ToString("N")[..6]}-quiet", [], "sleep", "3600");
        try
        {
            source.StreamOpened(eventsMayHaveBeenMissed: false); // what DockerEventWatcher does once its stream is open
            var t0 = TimeProvider.System.GetTimestamp();
            var first = await source.CollectAsync(TestContext.Current.CancellationToken);
            var t1 = TimeProvider.System.GetTimestamp();
            Assert.True(source.LastListFromEngine);
            Assert.Contains(id, source.LastInspected);

            // Long enough that the list's "Up N seconds" text is stale next to the cached start.
            await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
            var t2 = TimeProvider.System.GetTimestamp();
            var later = await source.CollectAsync(TestContext.Current.CancellationToken);
            for (var again = 0; source.LastListFromEngine && again < 5; again++)
            {
                // Another test's container listed before and removed before its inspection marks the list stale (the
                // engine is shared with tests running beside this one): listed again, then reused.
                later = await source.CollectAsync(TestContext.Current.CancellationToken);
            }

            var t3 = TimeProvider.System.GetTimestamp();

            Assert.False(source.LastListFromEngine);
            Assert.Empty(source.LastInspected);
            var before = first!.Single(c => c.Id == id[..12]).UptimeSeconds!.Value;
            // Uptime kept counting by the time between the two collections: at least from the end of the first to the
            // start of the second, at most from the start of the first to the end of the second (whole seconds).
            var least = (long)TimeProvider.System.GetElapsedTime(t1, t2).TotalSeconds - 1;
            var most = (long)Math.Ceiling(TimeProvider.System.GetElapsedTime(t0, t3).TotalSeconds) + 1;
            Assert.InRange(later!.Single(c => c.Id == id[..12]).UptimeSeconds!.Value - before, least, most);
        }
        finally
        {
            await DockerCli.RemoveAsync([id]);
        }
    }

    [Fact]
    public async Task Engine_that_hangs_while_the_event_stream_is_quiet_gives_null_within_the_bound()
    {
        RequiredServices.Docker();
        await using var relay = FakeEngineSocket.RelayingTo("/var/run/docker.sock");
        var timeout = TimeSpan.FromSeconds(2);
        var time = new FakeTimeProvider();
        using var source = new DockerContainerSource(
            relay.Endpoint, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, time, timeout, TimeSpan.Zero);
        source.StreamOpened(eventsMayHaveBeenMissed: false);
        Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
        Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
        Assert.False(source.LastListFromEngine); // the quiet path: the list is reused

        relay.Freeze();
        time.Advance(DockerContainerSource.PingInterval); // the engine has not answered for that long: it is pinged
        var collecting = source.CollectAsync(TestContext.Current.CancellationToken);
        time.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(collecting.IsCompleted); // the frozen engine never answers the ping: only the bound ends it
        time.Advance(TimeSpan.FromMilliseconds(1));
        var containers = await collecting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Null(containers);
        Assert.StartsWith("not responding: " + relay.SocketPath, source.Status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quiet_event_stream_pings_the_engine_only_when_it_has_not_answered_for_the_ping_interval()
    {
        await using var engine = FakeEngineSocket.Routing(request => request switch
        {
            "GET /_ping" => FakeEngineSocket.Response(200, "OK", "\"OK\"", "Api-Version: 1.41"),
            "GET /v1.41/containers/json?all=1" => FakeEngineSocket.Response(200, "OK", "[]"),
            _ => FakeEngineSocket.Response(404, "Not Found", """{"message":"not asked for"}"""),
        });
        var time = new FakeTimeProvider();
        using var source = new DockerContainerSource(
            engine.Endpoint, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, time, RealEngine.CollectTimeout, TimeSpan.Zero);
        var token = TestContext.Current.CancellationToken;
        var almost = DockerContainerSource.PingInterval - TimeSpan.FromSeconds(2);
        var nextOnTheGrid = DockerContainerSource.PingInterval - TimeSpan.FromMilliseconds(10);
        source.StreamOpened(eventsMayHaveBeenMissed: false);

        var pinged = new List<bool>();
        async Task CollectAsync()
        {
            Assert.NotNull(await source.CollectAsync(token));
            pinged.Add(source.LastPinged);
        }

        await CollectAsync(); // the list (and the ping that negotiates its version)
        await CollectAsync(); // reused at once: the list was the engine's answer
        time.Advance(almost);
        await CollectAsync(); // 58 s since the list
        time.Advance(TimeSpan.FromSeconds(2));
        await CollectAsync(); // 60 s: pinged
        time.Advance(nextOnTheGrid);
        await CollectAsync(); // the next heartbeat of a 60 s interval, a little under 60 s after the ping: pinged too
        time.Advance(almost);
        await CollectAsync(); // 58 s since the ping
        source.ContainerChanged("0123456789ab"); // an event: the list is asked for again
        await CollectAsync();
        time.Advance(almost);
        await CollectAsync(); // 58 s since that list
        time.Advance(TimeSpan.FromSeconds(2));
        await CollectAsync(); // 60 s: pinged

        Assert.Equal([false, false, false, true, true, false, false, false, true], pinged);
        Assert.Equal(
            ["GET /_ping", "GET /v1.41/containers/json?all=1", "GET /_ping", "GET /_ping", "GET /v1.41/containers/json?all=1", "GET /_ping"],
            engine.Requests);
    }
}
