using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>The event stream of Podman's Docker-compatible API drives the collector as Docker's does.</summary>
public sealed class PodmanEventWatcherTests
{
    [Fact]
    public async Task Health_change_exit_and_removal_each_trigger_the_callback_and_the_next_collection_sees_them()
    {
        var socket = RequiredServices.Podman();
        var dockerHost = "unix://" + socket;
        var podman = new EngineCli("podman", "--url", dockerHost);
        using var source = new DockerContainerSource(
            DockerEndpoint.Unix(socket), new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System,
            RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);
        // Exits with 5 on its own once told to (no kill event, only Podman's "died"); a healthcheck no timer runs.
        var id = await podman.StartAsync(
            $"upt-{Guid.NewGuid().ToString("N")[..6]}-events", ["--health-cmd", "true", "--health-interval", "300s"],
            "sh", "-c", "while [ ! -e /go ]; do sleep 0.1; done; exit 5");
        var changes = 0;
        var log = new FakeLogger();
        using var stop = new CancellationTokenSource();
        Task? run = null;
        try
        {
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
            var watcher = new DockerEventWatcher(source, () => Interlocked.Increment(ref changes), log, TimeProvider.System);
            run = watcher.RunAsync(stop.Token);
            await Poll.UntilAsync(() => watcher.IsConnected, "the event stream", TimeSpan.FromSeconds(30));
            var initial = await source.CollectAsync(TestContext.Current.CancellationToken);
            Assert.Equal("starting", initial!.Single(c => c.Id == id[..12]).Health);

            var healthy = await AfterEventAsync("health_status", () => podman.RunAsync("healthcheck", "run", id));
            Assert.Equal("healthy", Assert.Single(healthy, c => c.Id == id[..12]).Health);

            var exited = await AfterEventAsync("die", () => podman.RunAsync("exec", id, "sh", "-c", ": > /go"));
            var container = Assert.Single(exited, c => c.Id == id[..12]);
            Assert.Equal("exited", container.Status);
            Assert.Equal(5, container.ExitCode);

            var removed = await AfterEventAsync("remove", () => podman.RunAsync("rm", id));
            Assert.DoesNotContain(removed, c => c.Id == id[..12]);

            // Every podman command makes Podman send a "sync" event for each container: not asked for, so a quiet
            // engine still lets the list be reused.
            Assert.DoesNotContain(log.Collector.GetSnapshot(), r => r.Message.StartsWith("Docker event sync", StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            if (run is not null)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            }

            await podman.RunAsync("rm", "-f", "-t", "0", "--ignore", id);
        }

        // Does what the engine is told, waits (a generous deadline) for the watcher to receive that event of this container (other
        // tests' containers send events too; each expected one comes once) and call back, then collects: the list is fresh.
        async Task<IReadOnlyList<UPanel.Contracts.ContainerInfo>> AfterEventAsync(string expected, Func<Task> action)
        {
            var before = Volatile.Read(ref changes);
            var clock = Stopwatch.StartNew();
            await action();
            await Poll.UntilAsync(
                () => Volatile.Read(ref changes) > before
                    && log.Collector.GetSnapshot().Any(r => r.Id.Id == 1112 && r.Message == $"Docker event {expected} for container {id[..12]}"),
                $"the {expected} event's callback", TimeSpan.FromSeconds(30));
            TestContext.Current.TestOutputHelper?.WriteLine($"{expected} of this container: callback {clock.ElapsedMilliseconds} ms after the command started");
            var collected = await source.CollectAsync(TestContext.Current.CancellationToken);
            Assert.NotNull(collected);
            Assert.True(source.LastListFromEngine);
            return collected;
        }
    }
}
