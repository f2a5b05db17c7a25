using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
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
            DockerEndpoint.DefaultHost, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System,
            DockerContainerSource.DefaultCollectTimeout, TimeSpan.Zero);
        var id = await DockerCli.StartAsync($"upt-{Guid.NewGuid().ToString("N")[..6]}-quiet", [], "sleep", "3600");
        try
        {
            source.SetEventStreamLive(true); // what DockerEventWatcher does once its stream is open
            var first = await source.CollectAsync(TestContext.Current.CancellationToken);
            Assert.True(source.LastListFromEngine);
            Assert.Contains(id, source.LastInspected);

            // Long enough that the list's "Up N seconds" text is stale next to the cached start.
            await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
            var later = await source.CollectAsync(TestContext.Current.CancellationToken);

            Assert.False(source.LastListFromEngine);
            Assert.Empty(source.LastInspected);
            var before = first!.Single(c => c.Id == id[..12]).UptimeSeconds!.Value;
            Assert.InRange(later!.Single(c => c.Id == id[..12]).UptimeSeconds!.Value, before + 7, before + 12);
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
        using var source = new DockerContainerSource(
            relay.DockerHost, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System, timeout, TimeSpan.Zero);
        source.SetEventStreamLive(true);
        Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
        Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
        Assert.False(source.LastListFromEngine); // the quiet path: the list is reused

        relay.Freeze();
        var clock = Stopwatch.StartNew();
        var containers = await source.CollectAsync(TestContext.Current.CancellationToken);

        Assert.Null(containers);
        Assert.InRange(clock.Elapsed, timeout - TimeSpan.FromMilliseconds(100), timeout + TimeSpan.FromSeconds(1.5));
        Assert.StartsWith("not responding: " + relay.SocketPath, source.Status, StringComparison.Ordinal);
    }
}
