using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// An engine's <c>oom</c> event makes the container's next exit <c>oom_killed: true</c> even when its inspection says
/// <c>OOMKilled: false</c> (the engine's flag and its event can disagree); a start ends that, and so does a break in the
/// stream or the container's removal. The engine is a fake: a real one disagrees with itself only by chance.
/// </summary>
public sealed class OomEvidenceTests
{
    private const string Id = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private const string Other = "f9e8d7c6b5a40918273f6e5d4c3b2a1f9e8d7c6b5a40918273f6e5d4c3b2a10";
    private const string FirstExit = "2026-12-06T10:00:05Z";
    private const string SecondExit = "2026-12-06T10:01:05Z";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_oom_event_makes_the_next_exit_oom_killed_though_the_inspection_says_not_and_a_start_ends_it()
    {
        await using var engine = new FakeEventEngine();
        engine.Created(Id);
        await using var watched = await WatchedAsync(engine);
        Assert.False(Single(await watched.CollectAsync()).OomKilled);

        // The kernel kills it; the engine says so in its event, not in its inspection.
        engine.Exited(Id, 137, oomKilled: false, FirstExit);
        await watched.EventsAsync(("oom", Id), ("die", Id));
        var killed = Single(await watched.CollectAsync());
        Assert.Equal(("exited", 137, true), (killed.Status, killed.ExitCode, killed.OomKilled));
        Assert.Equal(1, watched.Source.OomEvidenceCount);
        Assert.True(Single(await watched.CollectAsync()).OomKilled); // still the same exit, still an OOM kill

        // Started again and exited on its own: that exit is not an OOM kill.
        engine.Exited(Id, 0, oomKilled: false, SecondExit);
        await watched.EventsAsync(("start", Id), ("die", Id));
        var plain = Single(await watched.CollectAsync());
        Assert.Equal(("exited", 0, false), (plain.Status, plain.ExitCode, plain.OomKilled));
        Assert.Equal(0, watched.Source.OomEvidenceCount);
    }

    [Fact]
    public async Task An_oom_event_after_the_exit_was_reported_makes_that_exit_oom_killed()
    {
        await using var engine = new FakeEventEngine();
        engine.Created(Id);
        await using var watched = await WatchedAsync(engine);
        Assert.NotNull(await watched.CollectAsync());

        // The engine's exit before its oom (containerd's events can come in that order): the exit is first reported as
        // the inspection has it, then corrected.
        engine.Exited(Id, 137, oomKilled: false, FirstExit);
        await watched.EventsAsync(("die", Id));
        Assert.False(Single(await watched.CollectAsync()).OomKilled);
        await watched.EventsAsync(("oom", Id));
        Assert.True(Single(await watched.CollectAsync()).OomKilled);
    }

    [Fact]
    public async Task The_inspection_alone_decides_after_the_event_stream_broke()
    {
        await using var engine = new FakeEventEngine();
        engine.Created(Id);
        await using var watched = await WatchedAsync(engine);
        Assert.NotNull(await watched.CollectAsync());

        engine.Exited(Id, 137, oomKilled: false, FirstExit);
        await watched.EventsAsync(("oom", Id));
        Assert.Equal(1, watched.Source.OomEvidenceCount);

        // The stream ends before the die (an engine restarting): a start could be missed in the gap, so the evidence goes.
        await engine.EndStreamAsync();
        await Poll.UntilAsync(() => engine.Streams == 2 && watched.Watcher.IsConnected, "the event stream opened again", TimeSpan.FromSeconds(30));
        Assert.Equal(0, watched.Source.OomEvidenceCount);
        var exited = Single(await watched.CollectAsync());
        Assert.Equal(("exited", 137, false), (exited.Status, exited.ExitCode, exited.OomKilled));

        // The engine's own flag still counts.
        engine.Exited(Id, 137, oomKilled: true, SecondExit);
        await watched.EventsAsync(("start", Id), ("die", Id));
        Assert.True(Single(await watched.CollectAsync()).OomKilled);
    }

    [Fact]
    public async Task Evidence_of_a_container_the_engine_no_longer_lists_is_forgotten()
    {
        await using var engine = new FakeEventEngine();
        engine.Created(Id);
        await using var watched = await WatchedAsync(engine);
        Assert.NotNull(await watched.CollectAsync());

        engine.Exited(Id, 137, oomKilled: false, FirstExit);
        await watched.EventsAsync(("oom", Id), ("die", Id));
        Assert.True(Single(await watched.CollectAsync()).OomKilled);

        // Removed, its destroy event lost (events can be lost without the stream breaking), and an oom event for a
        // container no list ever showed: the next list drops both.
        engine.Removed(Id);
        await watched.EventsAsync(("oom", Other));
        Assert.Equal(2, watched.Source.OomEvidenceCount);
        Assert.Empty((await watched.CollectAsync())!);
        Assert.Equal(0, watched.Source.OomEvidenceCount);
    }

    [Fact]
    public void Evidence_newer_than_a_list_is_kept_and_the_set_is_bounded()
    {
        var evidence = new OomEvidence();
        evidence.Add(Id, timestamp: 10);
        HashSet<string> none = [];

        evidence.KeepOnly(none, listedAt: 9); // a list asked for before the event cannot know its container
        Assert.True(evidence.Contains(Id));
        evidence.KeepOnly(none, listedAt: 10);
        Assert.False(evidence.Contains(Id));

        for (var i = 0; i < OomEvidence.MaxContainers + 10; i++)
        {
            evidence.Add($"{i:x64}", timestamp: 20);
        }

        Assert.Equal(OomEvidence.MaxContainers, evidence.Count);
        evidence.Add("0".PadLeft(64, '0'), timestamp: 21); // already there: still evidence, the set no bigger
        Assert.Equal(OomEvidence.MaxContainers, evidence.Count);
        evidence.Remove("0".PadLeft(64, '0'));
        Assert.False(evidence.Contains("0".PadLeft(64, '0')));
        evidence.Clear();
        Assert.Equal(0, evidence.Count);
    }

    private static ContainerInfo Single(IReadOnlyList<ContainerInfo>? containers) => Assert.Single(containers!, c => c.Id == Id[..12]);

    private static async Task<Watched> WatchedAsync(FakeEventEngine engine)
    {
        var source = new DockerContainerSource(
            engine.Endpoint, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, TimeProvider.System, RealEngine.CollectTimeout, TimeSpan.Zero);
        var watched = new Watched(source, engine);
        await Poll.UntilAsync(() => watched.Watcher.IsConnected, "the event stream", TimeSpan.FromSeconds(30));
        return watched;
    }

    /// <summary>A source and its event watcher, running until disposed.</summary>
    private sealed class Watched : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private int _changes;

        public Watched(DockerContainerSource source, FakeEventEngine engine)
        {
            Source = source;
            Engine = engine;
            Watcher = new DockerEventWatcher(source, () => Interlocked.Increment(ref _changes), NullLogger.Instance, TimeProvider.System);
            _run = Watcher.RunAsync(_stop.Token);
        }

        public DockerContainerSource Source { get; }

        public DockerEventWatcher Watcher { get; }

        public FakeEventEngine Engine { get; }

        public Task<IReadOnlyList<ContainerInfo>?> CollectAsync() => Source.CollectAsync(Ct);

        /// <summary>Sends the events and waits until the watcher has handed each to the source (its callback comes last).</summary>
        public async Task EventsAsync(params (string Action, string Id)[] events)
        {
            var expected = Volatile.Read(ref _changes) + events.Length;
            foreach (var (action, id) in events)
            {
                await Engine.SendAsync(action, id);
            }

            await Poll.UntilAsync(() => Volatile.Read(ref _changes) >= expected, $"{events.Length} events handled", TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _run);
            Source.Dispose();
            _stop.Dispose();
        }
    }
}
