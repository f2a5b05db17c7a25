using System.Threading.Channels;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Configuration;
using UPanel.Agent.Http;
using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>
/// A reporter wired to a real <see cref="TestPanelServer"/> over real HTTP, with time driven by a
/// <see cref="FakeTimeProvider"/>. The loop reports each wait (<see cref="Reporter.Waiting"/>); the harness moves the
/// clock to exactly that moment and waits until the loop is idle again, so no test depends on real-time sleeps.
/// </summary>
internal sealed class ReporterHarness : IAsyncDisposable
{
    public const string AgentTokenValue = "agent-token-0123456789abcdef";
    public static readonly DateTimeOffset Start = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly Channel<DateTimeOffset> _waits = Channel.CreateUnbounded<DateTimeOffset>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Http1Client _http = PanelHttp.CreateClient(new Dictionary<string, string>());
    private readonly TimeSpan _clientTimeout;
    private DateTimeOffset? _pendingWake;
    private int _timedOut;
    private readonly bool _ownsStateDir;
    private Task? _run;

    /// <param name="readConfiguredToken">What re-reading the configuration after a 401 finds (default: the same token).</param>
    /// <param name="stateDir">STATE_DIR of an earlier harness, to restart the agent on its queue (the caller deletes it).</param>
    /// <param name="start">The fake clock's start.</param>
    public ReporterHarness(
        int intervalSeconds = 60,
        TimeSpan? clientTimeout = null,
        Func<string?>? readConfiguredToken = null,
        int queueMaxHeartbeats = 10,
        long queueMaxBytes = AgentOptions.DefaultQueueMaxBytes,
        string? stateDir = null,
        DateTimeOffset? start = null)
    {
        _ownsStateDir = stateDir is null;
        StateDir = stateDir ?? Directory.CreateTempSubdirectory("upanel-reporter-").FullName;
        Time = new FakeTimeProvider(start ?? Start);
        Panel = new TestPanelServer();
        Status = new AgentStatus(Time);
        Queue = new HeartbeatQueue(Path.Join(StateDir, "queue"), queueMaxHeartbeats, queueMaxBytes, Logger);
        Options = new AgentOptions
        {
            PanelUrl = Panel.BaseUrl, ServerId = "01HQSERVER", AgentToken = AgentTokenValue, HeartbeatIntervalSeconds = intervalSeconds,
            QueueMaxHeartbeats = queueMaxHeartbeats, QueueMaxBytes = queueMaxBytes,
        };
        Factory = new HeartbeatFactory(Host, Containers, Options, Time, Status, Queue.LastSeq);
        _clientTimeout = clientTimeout ?? TimeSpan.FromSeconds(5);
        Client = new PanelClient(_http, Panel.BaseUrl, Time, Logger, _clientTimeout);
        Token = new AgentToken(AgentTokenValue, StateDir, readConfiguredToken ?? (() => AgentTokenValue), Logger);
        Reporter = new Reporter(Factory, Client, Queue, Status, Options, Token, Time, Logger);
        Reporter.Waiting += wake => _waits.Writer.TryWrite(wake);

        // Backoff without jitter: retries land exactly on 5 s, 10 s, … so schedules are predictable.
        Reporter.NextJitter = () => 0.5;
    }

    public FakeTimeProvider Time { get; }

    public TestPanelServer Panel { get; }

    public AgentStatus Status { get; }

    public HeartbeatQueue Queue { get; }

    public AgentOptions Options { get; }

    public FakeHostMetricsSource Host { get; } = new();

    public FakeContainerSource Containers { get; } = new();

    public HeartbeatFactory Factory { get; }

    public PanelClient Client { get; }

    public Reporter Reporter { get; }

    public AgentToken Token { get; }

    /// <summary>STATE_DIR of the harness: where a rotated token is kept.</summary>
    public string StateDir { get; }

    public FakeLogger Logger { get; } = new();

    /// <summary>Heartbeats taken so far (each sample calls the host source once).</summary>
    public int Samples => Host.Calls;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Starts the loop and waits until it first sleeps.</summary>
    public async Task StartAsync()
    {
        _run = Reporter.RunAsync(_stop.Token);
        await IdleAsync();
    }

    /// <summary>
    /// When the loop will next wake by itself (it is idle when this returns). A request the panel leaves hanging ends at
    /// the client's timeout, which runs on the fake clock: the clock is moved by that timeout once per hanging request.
    /// </summary>
    public async Task<DateTimeOffset> IdleAsync()
    {
        if (_pendingWake is null)
        {
            var next = _waits.Reader.ReadAsync().AsTask();
            var started = TimeProvider.System.GetTimestamp();
            while (!next.IsCompleted)
            {
                if (Panel.HangingRequests > _timedOut)
                {
                    _timedOut++;
                    Time.Advance(_clientTimeout);
                }

                Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "the loop did not get idle within 10 s");
                await Task.WhenAny(next, Task.Delay(10));
            }

            _pendingWake = await next;
        }

        return _pendingWake.Value;
    }

    /// <summary>Moves the clock to the loop's next wake-up and waits for that iteration to finish.</summary>
    public async Task<DateTimeOffset> StepAsync()
    {
        var wake = await IdleAsync();
        _pendingWake = null;
        if (wake > Now)
        {
            Time.SetUtcNow(wake);
        }

        await IdleAsync();
        return wake;
    }

    /// <summary>Steps through every wake-up up to <paramref name="target"/>, then sets the clock to it.</summary>
    public async Task AdvanceToAsync(DateTimeOffset target)
    {
        while (await IdleAsync() <= target)
        {
            await StepAsync();
        }

        if (target > Now)
        {
            Time.SetUtcNow(target);
        }
    }

    public Task AdvanceAsync(TimeSpan by) => AdvanceToAsync(Now + by);

    /// <summary>Steps until <paramref name="samples"/> heartbeats have been taken in total.</summary>
    public async Task StepUntilSamplesAsync(int samples)
    {
        while (Samples < samples)
        {
            await StepAsync();
        }
    }

    /// <summary>Steps until the queue is empty: a backlog drains one heartbeat per <see cref="Reporter.DrainSpacing"/>.</summary>
    public async Task StepUntilDrainedAsync()
    {
        for (var steps = 0; Queue.Count > 0; steps++)
        {
            Assert.True(steps < 100_000, $"the queue did not drain: {Queue.Count} left");
            await StepAsync();
        }
    }

    /// <summary>Runs <paramref name="action"/> while the loop is idle and waits for the loop to be idle again.</summary>
    public async Task WhileIdleAsync(Action action)
    {
        await IdleAsync();
        _pendingWake = null;
        action();
        await IdleAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        await Panel.DisposeAsync();
        _http.Dispose();
        Queue.Dispose();
        if (_ownsStateDir)
        {
            Directory.Delete(StateDir, recursive: true);
        }

        _stop.Dispose();
    }
}
