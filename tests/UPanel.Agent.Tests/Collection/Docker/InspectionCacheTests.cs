using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class InspectionCacheTests
{
    [Fact]
    public async Task Restart_between_collections_is_noticed_without_the_event_stream()
    {
        RequiredServices.Docker();
        using var source = new DockerContainerSource(
            DockerEndpoint.Default, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System,
            RealEngine.CollectTimeout, TimeSpan.Zero);
        var starting = TimeProvider.System.GetTimestamp();
        var id = await DockerCli.StartAsync($"upt-{Guid.NewGuid().ToString("N")[..6]}-restarted", [], "sleep", "3600");
        try
        {
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
            Assert.Contains(id, source.LastInspected);

            // Old enough that "Up 1 second" after a restart cannot describe the start we cached.
            await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
            var before = await source.CollectAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain(id, source.LastInspected);
            // At most the time since the start was asked for (whole seconds): a loaded host stretches it.
            Assert.InRange(before!.Single(c => c.Id == id[..12]).UptimeSeconds!.Value, 7, WholeSecondsSince(starting));

            // docker restart keeps State "running" and RestartCount 0: only the started time tells. The new start is
            // younger than the restart command, the cached one at least 8 s older.
            var restarting = TimeProvider.System.GetTimestamp();
            await DockerCli.RunAsync("restart", "-t", "0", id);
            var after = await source.CollectAsync(TestContext.Current.CancellationToken);

            Assert.Contains(id, source.LastInspected);
            Assert.InRange(after!.Single(c => c.Id == id[..12]).UptimeSeconds!.Value, 0, WholeSecondsSince(restarting));
        }
        finally
        {
            await DockerCli.RemoveAsync([id]);
        }
    }

    private static long WholeSecondsSince(long timestamp) => (long)Math.Ceiling(TimeProvider.System.GetElapsedTime(timestamp).TotalSeconds);
}
