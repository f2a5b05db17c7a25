using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>An engine that cannot be asked: containers are null, quickly, with a status saying why; logged once.</summary>
public sealed class DegradedDockerTests
{
    /// <summary>A deadline for what fake time makes immediate, long enough for a loaded 2-core CI machine.</summary>
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private static DockerContainerSource SourceFor(DockerEndpoint endpoint, FakeLogger logger, TimeProvider? time = null) =>
        new(endpoint, new HostFiles("/proc", "/sys", "/"), logger, time ?? TimeProvider.System,
            DockerContainerSource.DefaultCollectTimeout, DockerContainerSource.DefaultCpuBaseline);

    [Fact]
    public async Task Missing_socket_gives_null_at_once_and_says_socket_missing()
    {
        var logger = new FakeLogger();
        var time = new FakeTimeProvider();
        using var source = SourceFor(DockerEndpoint.Unix($"/tmp/upanel-no-such-{Guid.NewGuid():N}.sock"), logger, time);

        // The clock never moves: an answer proves the source waited on no timer (neither timeout nor retry).
        var containers = await source.CollectAsync(TestContext.Current.CancellationToken).WaitAsync(Generous, TestContext.Current.CancellationToken);

        Assert.Null(containers);
        Assert.StartsWith("socket missing: /tmp/upanel-no-such-", source.Status, StringComparison.Ordinal);
        Assert.False(source.IsAvailable);
    }

    [Fact]
    public async Task Socket_that_accepts_and_never_answers_gives_null_within_the_bound()
    {
        await using var hung = FakeEngineSocket.Hung();
        var logger = new FakeLogger();
        var time = new FakeTimeProvider();
        using var source = SourceFor(hung.Endpoint, logger, time);

        var collecting = source.CollectAsync(TestContext.Current.CancellationToken);
        await Poll.UntilAsync(() => hung.Connections == 1, "the collection to connect to the hung engine", Generous);
        time.Advance(DockerContainerSource.DefaultCollectTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(collecting.IsCompleted); // the engine never answers: only the bound ends the collection
        time.Advance(TimeSpan.FromMilliseconds(1));
        var containers = await collecting.WaitAsync(Generous, TestContext.Current.CancellationToken);

        Assert.Null(containers);
        Assert.StartsWith("not responding: " + hung.SocketPath, source.Status, StringComparison.Ordinal);
        Assert.Equal(1, hung.Connections);
    }

    [Fact]
    public async Task Engine_errors_are_logged_once_per_state_change_not_every_collection()
    {
        await using var failing = FakeEngineSocket.Answering(500, "Internal Server Error", """{"message":"boom from the engine"}""");
        var logger = new FakeLogger();
        using var source = SourceFor(failing.Endpoint, logger);

        Assert.Null(await source.CollectAsync(TestContext.Current.CancellationToken));
        Assert.Null(await source.CollectAsync(TestContext.Current.CancellationToken));
        Assert.Null(await source.CollectAsync(TestContext.Current.CancellationToken));

        Assert.Equal("error: HTTP 500 from /_ping: boom from the engine", source.Status);
        var logged = logger.Collector.GetSnapshot();
        Assert.Single(logged, r => r.Id.Id == 1100);
        Assert.Contains("boom from the engine", logged.Single(r => r.Id.Id == 1100).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recovery_is_logged_once_when_the_engine_answers_again()
    {
        RequiredServices.Docker();
        var logger = new FakeLogger();
        var missing = $"/tmp/upanel-later-{Guid.NewGuid():N}.sock";
        // The real engine's bound: a first collection of every container on a loaded shared engine can take over 4 s.
        using var source = new DockerContainerSource(DockerEndpoint.Unix(missing), new HostFiles("/proc", "/sys", "/"), logger, TimeProvider.System,
            RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);
        Assert.Null(await source.CollectAsync(TestContext.Current.CancellationToken));

        File.CreateSymbolicLink(missing, RequiredServices.DockerSocket);
        try
        {
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            File.Delete(missing);
        }

        Assert.Equal("ok", source.Status);
        Assert.Equal([1100, 1101], logger.Collector.GetSnapshot().Where(r => r.Id.Id is 1100 or 1101).Select(r => r.Id.Id));
    }
}
