using Microsoft.Extensions.Logging.Testing;
using UPanel.Agent.Configuration;
using UPanel.Agent.Http;
using UPanel.Agent.Reporting;
using UPanel.Agent.Tests.Http;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>
/// The heartbeat loop as the agent runs it (<see cref="Reporter.RunOnOwnThread"/>): on a thread of its own, on the
/// system clock, sleeping in blocking waits (docs/decisions/one-thread-per-heartbeat.md). No timing is asserted: what
/// is counted is which thread did the work and how many timers were armed.
/// </summary>
public sealed class ReporterOwnThreadTests : IAsyncLifetime
{
    private const string Token = "agent-token-0123456789abcdef";

    private readonly TestPanelServer _panel = new();
    private readonly Http1Client _http = PanelHttp.CreateClient(new Dictionary<string, string>());
    private readonly FakeLogger _logger = new();
    private readonly string _stateDir = Directory.CreateTempSubdirectory("upanel-own-thread-").FullName;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _panel.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_stateDir, recursive: true);
    }

    [Fact]
    public async Task Loop_reports_from_its_own_thread_without_a_timer_and_stops_when_cancelled()
    {
        // An hour's interval: after the first heartbeat (2 s after start) only RequestHeartbeat can cause another.
        var clock = new TimerRecordingTimeProvider();
        using var queue = new HeartbeatQueue(Path.Join(_stateDir, "queue"), 10, AgentOptions.DefaultQueueMaxBytes, _logger);
        var reporter = NewReporter(clock, queue, intervalSeconds: 3600);
        var waitedOn = new List<string?>();
        reporter.Waiting += _ =>
        {
            lock (waitedOn)
            {
                waitedOn.Add(Thread.CurrentThread.Name);
            }
        };
        using var stop = new CancellationTokenSource();

        var running = reporter.RunOnOwnThread(stop.Token);
        await _panel.WaitForRequestsAsync(1);
        reporter.RequestHeartbeat();
        var requests = await _panel.WaitForRequestsAsync(2);
        // The panel has the second request before the loop has its answer: both acknowledged means the queue emptied.
        await Poll.UntilAsync(() => queue.Count == 0, "both heartbeats acknowledged and removed from the queue", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.All(requests, request => Assert.Equal("/api/agent/heartbeat", request.Path));
        lock (waitedOn)
        {
            Assert.NotEmpty(waitedOn);
            Assert.All(waitedOn, name => Assert.Equal("upanel-heartbeat", name));
        }

        // The interval, the request's timeout: none armed a timer (RunAsync arms one per wait and one per send).
        Assert.Empty(clock.DueTimes);
    }

    [Fact]
    public async Task Send_on_a_thread_that_may_block_completes_on_that_thread()
    {
        await using var panel = KeepAlivePanel(answered: int.MaxValue);
        var client = new PanelClient(_http, new Uri($"http://127.0.0.1:{panel.Port}/"), TimeProvider.System, _logger);
        var body = HeartbeatJson.ToUtf8Bytes(Heartbeat());

        // The first send opens the connection (in blocking calls on that thread too), the second reuses it.
        var (firstCompletedWhenReturned, first) = OnBlockingThread(() => client.SendHeartbeatAsync(body, Token, CancellationToken.None));
        var (completedWhenReturned, result) = OnBlockingThread(() => client.SendHeartbeatAsync(body, Token, CancellationToken.None));

        Assert.True(firstCompletedWhenReturned, "the new connection waited on another thread");
        Assert.True(completedWhenReturned, "the send handed its wait to another thread");
        Assert.Equal(PanelOutcome.Success, first.Outcome);
        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Equal(1, panel.ConnectionCount);
    }

    [Fact]
    public async Task Panel_that_does_not_answer_is_given_up_at_the_timeout_by_the_blocking_wait_itself()
    {
        await using var panel = KeepAlivePanel(answered: 1);
        var clock = new TimerRecordingTimeProvider();
        var client = new PanelClient(_http, new Uri($"http://127.0.0.1:{panel.Port}/"), clock, _logger, TimeSpan.FromMilliseconds(300));
        var body = HeartbeatJson.ToUtf8Bytes(Heartbeat());
        Assert.Equal(PanelOutcome.Success, OnBlockingThread(() => client.SendHeartbeatAsync(body, Token, CancellationToken.None)).Result.Outcome);
        clock.Clear();

        var (completedWhenReturned, result) = OnBlockingThread(() => client.SendHeartbeatAsync(body, Token, CancellationToken.None));

        Assert.True(completedWhenReturned, "the timeout was left to a timer");
        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Equal("no answer within 0.3 s", result.Reason);
        Assert.Empty(clock.DueTimes);
        Assert.Equal(1, panel.ConnectionCount);
    }

    [Theory]
    [InlineData(1, 10_000)] // 0.1 µs ahead: one whole millisecond, not a wait of 0 that returns at once
    [InlineData(5_000, 10_000)]
    [InlineData(10_000, 10_000)]
    [InlineData(10_001, 20_000)]
    [InlineData(49_993_000, 50_000_000)] // 4,999.3 ms: the whole interval, not 4,999 ms and then a spin
    [InlineData(36_000_000_000, 36_000_000_000)] // the longest interval, an hour
    [InlineData(108_000_000_000, 36_000_000_000)] // beyond it: looked at again after an hour
    public void Blocking_wait_is_rounded_up_to_whole_milliseconds_so_the_loop_does_not_wake_before_its_time(long delayTicks, long expectedTicks)
    {
        // ManualResetEventSlim.Wait(TimeSpan) drops the fraction of a millisecond; the loop then woke before its wake
        // time and went round without sleeping (35-65 times per heartbeat) until the wall clock got there.
        Assert.Equal(TimeSpan.FromTicks(expectedTicks), Reporter.BlockingWaitTime(TimeSpan.FromTicks(delayTicks)));
    }

    /// <summary>Keeps its connections open; answers the first <paramref name="answered"/> requests, then none.</summary>
    private static ScriptedServer KeepAlivePanel(int answered) => new(async (connection, ct) =>
    {
        for (var i = 0; ; i++)
        {
            await connection.ReadRequestAsync(ct);
            if (i >= answered)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", ct);
        }
    });

    private static (bool CompletedWhenReturned, T Result) OnBlockingThread<T>(Func<Task<T>> work)
    {
        var completed = false;
        Task<T>? task = null;
        var thread = new Thread(() =>
        {
            BlockingReads.AllowOnThisThread();
            task = work();
            completed = task.IsCompleted;
        });
        thread.Start();
        thread.Join();
        return (completed, task!.GetAwaiter().GetResult());
    }

    private Reporter NewReporter(TimeProvider time, HeartbeatQueue queue, int intervalSeconds)
    {
        var options = new AgentOptions
        {
            PanelUrl = _panel.BaseUrl, ServerId = "01HQSERVER", AgentToken = Token, HeartbeatIntervalSeconds = intervalSeconds,
            QueueMaxHeartbeats = 10,
        };
        var status = new AgentStatus(time);
        var factory = new HeartbeatFactory(new FakeHostMetricsSource(), new FakeContainerSource(), options, time, status, queue.LastSeq);
        var client = new PanelClient(_http, _panel.BaseUrl, time, _logger);
        var token = new AgentToken(Token, _stateDir, () => Token, _logger);
        return new Reporter(factory, client, queue, status, options, token, time, _logger);
    }

    private static Heartbeat Heartbeat() => TestHeartbeats.Minimal(DateTimeOffset.UnixEpoch);
}
