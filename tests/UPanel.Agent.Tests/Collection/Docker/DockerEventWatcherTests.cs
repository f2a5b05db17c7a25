using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class DockerEventWatcherTests
{
    private static DockerContainerSource SourceFor(DockerEndpoint endpoint) =>
        new(endpoint, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System,
            RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);

    [Fact]
    public async Task Docker_kill_triggers_the_callback_and_the_next_collection_sees_it()
    {
        RequiredServices.Docker();
        using var source = SourceFor(DockerEndpoint.Default);
        var log = new FakeLogger();
        var id = await DockerCli.StartAsync($"upt-{Guid.NewGuid().ToString("N")[..6]}-killed", [], "sleep", "3600");
        using var stop = new CancellationTokenSource();
        Task? run = null;
        try
        {
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
            Assert.Contains(id, source.LastInspected);
            var changes = 0;
            var watcher = new DockerEventWatcher(source, () => Interlocked.Increment(ref changes), log, TimeProvider.System);
            run = watcher.RunAsync(stop.Token);
            await Poll.UntilAsync(() => watcher.IsConnected, "the event stream", TimeSpan.FromSeconds(30));

            // Connected: one fresh list (events before the stream opened are unknown), then a quiet stream keeps it.
            // Other tests' containers on this engine send events too, each making the list stale once: wait for a
            // collection between two of them.
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
            Assert.True(source.LastListFromEngine);
            var reused = false;
            for (var attempt = 0; attempt < 30 && !reused; attempt++)
            {
                Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
                reused = !source.LastListFromEngine;
                if (!reused)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
                }
            }

            Assert.True(reused, "every collection asked the engine for its list: the quiet stream never kept it");

            var before = Volatile.Read(ref changes);
            await DockerCli.RunAsync("kill", id);
            // This container's own event calls back; the deadline only stops a hang.
            await Poll.UntilAsync(
                () => Volatile.Read(ref changes) > before
                    && log.Collector.GetSnapshot().Any(r => r.Id.Id == 1112 && r.Message.EndsWith($"for container {id[..12]}", StringComparison.Ordinal)),
                "the event's callback", TimeSpan.FromSeconds(30));

            var after = await source.CollectAsync(TestContext.Current.CancellationToken);
            Assert.True(source.LastListFromEngine);
            Assert.Contains(id, source.LastInspected);
            var killed = Assert.Single(after!, c => c.Id == id[..12]);
            Assert.Equal("exited", killed.Status);
            Assert.Equal(137, killed.ExitCode);
        }
        finally
        {
            await stop.CancelAsync();
            if (run is not null)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            }

            await DockerCli.RemoveAsync([id]);
        }
    }

    [Fact]
    public async Task Broken_event_stream_is_reopened_with_backoff()
    {
        // An "engine" that answers every request with an empty 200 and closes: each stream ends at once.
        await using var closing = FakeEngineSocket.Answering(200, "OK", """{"ApiVersion":"1.41","MinAPIVersion":"1.12"}""");
        using var source = SourceFor(closing.Endpoint);
        var watcher = new DockerEventWatcher(source, () => { }, NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();

        var run = watcher.RunAsync(stop.Token);
        // /_ping (it names no API version, so /version too) + /events, then (after ≤ 1 s of jittered backoff) the same again.
        await Poll.UntilAsync(() => closing.Connections >= 4, "four connections to the closing engine", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(watcher.IsConnected);
    }
}
