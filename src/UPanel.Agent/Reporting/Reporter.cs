using Microsoft.Extensions.Logging;
using UPanel.Agent.Configuration;
using UPanel.Agent.Http;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// The heartbeat loop. Samples on a fixed schedule (first one <see cref="FirstHeartbeatDelay"/> after start, then every
/// interval), queues every sample, and sends the queue oldest first whenever the panel may be asked. Sending never
/// moves the sampling schedule: while the panel is down or asked for a pause (Retry-After) samples keep being taken
/// and queued (bounded), and the queue is flushed after the next success.
/// </summary>
/// <remarks>
/// One loop does both sampling and sending, so at most one request is in flight. A failed send stops the flush:
/// the next attempt comes with the next sample or after a jittered backoff (5 s doubling, capped at the interval),
/// whichever is first; a Retry-After from the panel is honoured strictly. A backlog drains oldest first, one heartbeat
/// every <see cref="DrainSpacing"/> (jittered), so a fleet coming back after an outage does not flatten the panel.
/// docs/sending.md states the whole policy.
/// </remarks>
internal sealed class Reporter
{
    /// <summary>Leaves the collectors a moment for a first CPU delta, and still reports promptly.</summary>
    public static readonly TimeSpan FirstHeartbeatDelay = TimeSpan.FromSeconds(2);

    /// <summary><see cref="RequestHeartbeat"/> causes at most one extra heartbeat per this period.</summary>
    public static readonly TimeSpan ExtraHeartbeatSpacing = TimeSpan.FromSeconds(5);

    /// <summary>Mean time between two sends of a backlog (±50 % jitter): at most about 4 heartbeats a second per agent.</summary>
    public static readonly TimeSpan DrainSpacing = TimeSpan.FromMilliseconds(250);

    /// <summary>Beyond this the clock is called skewed (in /health, check and the log).</summary>
    public static readonly TimeSpan ClockSkewLimit = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBlockingWait = TimeSpan.FromSeconds(AgentOptions.MaxIntervalSeconds);
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromSeconds(1);

    private readonly HeartbeatFactory _factory;
    private readonly PanelClient _client;
    private readonly HeartbeatQueue _queue;
    private readonly AgentStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AgentToken _token;
    private readonly bool _queueCountConfigured;
    private readonly SemaphoreSlim _wake = new(0, 1);

    // The blocking loop's wake-up (RunOnOwnThread). No spinning: SemaphoreSlim.Wait spins with sched_yield before it
    // sleeps, about 30 yields per heartbeat on this machine, for a signal that comes once in seconds if at all.
    private readonly ManualResetEventSlim _wakeNow = new(initialState: false, spinCount: 0);
    private readonly MemoryTrim _memoryTrim = new();
    private UpdateOffer? _loggedUpdate;

    // The loop's pending _wake.WaitAsync, kept across waits until a signal completes it. Cancelling it after each
    // timer-ended wait would make SemaphoreSlim throw (and catch) an OperationCanceledException every heartbeat:
    // CPU, and the unwinder pulling the binary's exception tables (about 1 MiB) into RSS.
    private Task? _signal;

    private int _extraRequested;
    private int _failedAttempts;
    private bool _dropping;
    private bool _clockSkewed;
    private DateTimeOffset _nextSampleAt;
    private DateTimeOffset _lastRegularSampleAt;
    private DateTimeOffset _extraNotBefore = DateTimeOffset.MinValue;
    private DateTimeOffset _retryAfterUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _backoffUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _drainNotBefore = DateTimeOffset.MinValue;

    /// <param name="options">HEARTBEAT_INTERVAL (clamped to 5–3600).</param>
    /// <param name="token">Every send uses its current token; rotations and refusals go back to it.</param>
    public Reporter(
        HeartbeatFactory factory,
        PanelClient client,
        HeartbeatQueue queue,
        AgentStatus status,
        AgentOptions options,
        AgentToken token,
        TimeProvider time,
        ILogger logger)
    {
        _factory = factory;
        _client = client;
        _queue = queue;
        _status = status;
        _time = time;
        _logger = logger;
        _token = token;
        _queueCountConfigured = options.QueueMaxHeartbeats is not null;
        Interval = TimeSpan.FromSeconds(ClampInterval(options.HeartbeatIntervalSeconds));
    }

    /// <summary>For tests: raised with the time the loop will next wake, after its timer is armed.</summary>
    internal event Action<DateTimeOffset>? Waiting;

    /// <summary>For tests: a number in [0, 1) that sets the backoff and drain jitter (0.5 = none).</summary>
    internal Func<double> NextJitter { get; set; } = Random.Shared.NextDouble;

    /// <summary>The current sampling interval (HEARTBEAT_INTERVAL until the panel says otherwise).</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>
    /// Asks for a heartbeat now (e.g. a container changed state). Debounced: at most one extra heartbeat per
    /// <see cref="ExtraHeartbeatSpacing"/>; requests in between are merged into one at the end of the period.
    /// Thread-safe and non-blocking.
    /// </summary>
    public void RequestHeartbeat()
    {
        Interlocked.Exchange(ref _extraRequested, 1);
        Signal();
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then returns (does not throw).</summary>
    /// <remarks>Waits on <see cref="_time"/>'s timers (tests drive it with a fake clock); the agent itself uses <see cref="RunOnOwnThread"/>.</remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Started();
        try
        {
            while (true)
            {
                await StepAsync(cancellationToken).ConfigureAwait(false);
                _memoryTrim.AfterWork();
                await WaitAsync(NextWake(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Stopped();
        }
    }

    /// <summary>
    /// The same loop on a thread of its own, which sleeps in blocking waits (the interval, the panel's answer, the
    /// engine's: <see cref="BlockingReads"/>) instead of timers and socket completions handed from thread to thread:
    /// a heartbeat then wakes one thread instead of about ten (docs/decisions/one-thread-per-heartbeat.md). The task
    /// completes when the loop has stopped (cancellation) or failed.
    /// </summary>
    public Task RunOnOwnThread(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(cancellationToken);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "upanel-heartbeat",
        };
        thread.Start();
        return done.Task;
    }

    private void Run(CancellationToken cancellationToken)
    {
        BlockingReads.AllowOnThisThread();
        Started();
        try
        {
            while (true)
            {
                // Completes on this thread unless something had to wait elsewhere (a new connection, a first CPU
                // baseline): then this thread blocks until it is done.
                StepAsync(cancellationToken).GetAwaiter().GetResult();
                _memoryTrim.AfterWork();
                Wait(NextWake(), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Stopped();
        }
    }

    private void Started()
    {
        var start = _time.GetUtcNow();
        _nextSampleAt = start + FirstHeartbeatDelay;
        _lastRegularSampleAt = start;
        Log.ReporterStarted(_logger, _client.HeartbeatUri, (int)Interval.TotalSeconds);
        PublishQueue();
    }

    private void Stopped()
    {
        _queue.Checkpoint();
        Log.ReporterStopped(_logger, _queue.Count);
    }

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SampleAndSendAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A fresh heartbeat is written without fsync (the page cache survives a kill -9 of the agent) and sent at
            // once; only one still queued after the attempt (failed, not tried, behind a backlog, or the loop stopped)
            // is synced, so an idle agent delivering every heartbeat does not fsync at all.
            _queue.SyncIfQueued();
        }
    }

    private async Task SampleAndSendAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now >= _nextSampleAt)
        {
            // A regular sample also answers any pending request for an extra one.
            Interlocked.Exchange(ref _extraRequested, 0);
            _lastRegularSampleAt = _nextSampleAt;
            _nextSampleAt = NextRegularSample(now);
            await SampleAsync(cancellationToken).ConfigureAwait(false);

            // A new heartbeat is worth one attempt at once; only the panel's own Retry-After holds it back.
            _backoffUntil = DateTimeOffset.MinValue;
        }
        else if (Volatile.Read(ref _extraRequested) == 1 && now >= _extraNotBefore)
        {
            Interlocked.Exchange(ref _extraRequested, 0);
            _extraNotBefore = now + ExtraHeartbeatSpacing;
            await SampleAsync(cancellationToken).ConfigureAwait(false);

            // A flapping container must not turn into a retry of a refused token every 5 s.
            if (_status.Panel != PanelState.Unauthorized)
            {
                _backoffUntil = DateTimeOffset.MinValue;
            }
        }

        if (_queue.Count > 0 && CanSend(_time.GetUtcNow()))
        {
            if (_queue.Count > 1)
            {
                // The fresh heartbeat waits behind older ones whatever this send does: on disk before it.
                _queue.SyncIfQueued();
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private DateTimeOffset NextRegularSample(DateTimeOffset now)
    {
        // Keep the grid; after a long stall (suspend, a slow send) restart it from now rather than bursting.
        var next = _lastRegularSampleAt + Interval;
        return next > now ? next : now + Interval;
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        Heartbeat heartbeat;
        byte[] body;
        try
        {
            heartbeat = await _factory.CreateAsync(cancellationToken).ConfigureAwait(false);
            body = HeartbeatJson.ToUtf8Bytes(heartbeat);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Utf8JsonWriter refuses NaN and infinity (HeartbeatFactory keeps them out; this is the last line): such a
            // sample is never queued, where it would block the head.
            Log.SampleFailed(_logger, ex);
            return;
        }

        var dropped = _queue.Enqueue(heartbeat.Seq ?? 0, body);
        if (dropped > 0)
        {
            Log.HeartbeatDropped(_logger, _dropping ? LogLevel.Debug : LogLevel.Warning, dropped, _queue.DroppedCount);
            _dropping = true;
        }

        PublishQueue();
    }

    private bool CanSend(DateTimeOffset now) => now >= _retryAfterUntil && now >= _backoffUntil && now >= _drainNotBefore;

    /// <summary>Sends the oldest heartbeat; after a success, the next one of a backlog waits its turn (<see cref="DrainSpacing"/>).</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_queue.TryPeek(out var heartbeat))
        {
            return;
        }

        var token = _token.Current;
        var result = await _client.SendHeartbeatAsync(heartbeat.Body, token, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        switch (result.Outcome)
        {
            case PanelOutcome.Success:
                _queue.RemoveOldest();
                _dropping = false;
                if (_failedAttempts > 0)
                {
                    Log.PanelRecovered(_logger, _failedAttempts, _queue.Count + 1);
                    _failedAttempts = 0;
                }

                _status.RecordSuccess(now);
                Log.HeartbeatDelivered(_logger, heartbeat.Seq, (int?)result.StatusCode);
                Apply(result.Response, now);
                break;

            case PanelOutcome.Rejected:
                _queue.RemoveOldest();
                _status.SetPanel(PanelState.Rejected);
                Log.HeartbeatRejected(_logger, heartbeat.Seq, result.Reason);
                break;

            case PanelOutcome.Unauthorized:
                if (_status.Panel != PanelState.Unauthorized)
                {
                    Log.PanelUnauthorized(_logger, result.Reason);
                }

                _status.SetPanel(PanelState.Unauthorized);
                _token.Refused(token);

                // Retrying a refused token every few seconds only fills the panel's log: once per interval.
                _failedAttempts++;
                _backoffUntil = now + Interval;
                return;

            default:
                if (_status.Panel != PanelState.Unreachable)
                {
                    Log.PanelUnreachable(_logger, result.Reason, _queue.Count);
                }

                _status.SetPanel(PanelState.Unreachable);
                BackOff(now, result);
                return;
        }

        if (_queue.Count > 0)
        {
            _drainNotBefore = now + (DrainSpacing * (0.5 + NextJitter()));
        }
        else
        {
            // A drain ended: written down, so a restart does not send the backlog again. One heartbeat delivered at
            // once is left to the next sample's record (one write per heartbeat when idle).
            _queue.Checkpoint(removed: 2);
        }

        PublishQueue();
    }

    private void BackOff(DateTimeOffset now, PanelResult result)
    {
        _failedAttempts++;
        if (result.RetryAfter is { } retryAfter)
        {
            // "Retry-After: 0" must not turn the loop into a busy retry.
            retryAfter = retryAfter < MinRetryAfter ? MinRetryAfter : retryAfter;
            _retryAfterUntil = now + retryAfter;
            Log.RetryAfterHonoured(_logger, retryAfter.TotalSeconds);
            return;
        }

        // 5 s, 10 s, 20 s … capped at the interval, with ±20 % jitter so a fleet does not retry in step.
        var exponent = Math.Min(_failedAttempts - 1, 16);
        var delay = TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << exponent, Interval.Ticks));
        delay *= 0.8 + (NextJitter() * 0.4);
        _backoffUntil = now + delay;
        Log.RetryScheduled(_logger, result.Reason, delay.TotalSeconds);
    }

    private void Apply(HeartbeatResponse? response, DateTimeOffset receivedAt)
    {
        if (response is null)
        {
            return;
        }

        if (response.ServerTime is { } serverTime)
        {
            ObserveClock(serverTime - receivedAt);
        }

        if (response.NextHeartbeatSeconds is { } seconds)
        {
            var interval = TimeSpan.FromSeconds(ClampInterval(seconds));
            if (interval != Interval)
            {
                Interval = interval;
                if (!_queueCountConfigured)
                {
                    _queue.MaxCount = AgentOptions.DefaultQueueMaxHeartbeats(interval);
                }

                _nextSampleAt = _lastRegularSampleAt + interval;
                Log.IntervalChanged(_logger, (int)interval.TotalSeconds);
            }
        }

        if (response.NewAgentToken is { } rotated)
        {
            _token.Adopt(rotated);
        }

        // Every answer says whether an update is offered; the log says it once per offered version, not every minute.
        var update = UpdateOffer.Of(response);
        _status.SetUpdate(update);
        if (update is not null && update != _loggedUpdate)
        {
            _loggedUpdate = update;
            Log.UpdateAvailable(_logger, AgentInfo.Version, update.Url ?? "(no image named)");
        }
    }

    /// <summary>
    /// The panel's time minus ours when its answer arrived (off by at most the request's duration): logged once when it
    /// goes beyond <see cref="ClockSkewLimit"/> and once when it comes back; always in /health and the next heartbeat.
    /// </summary>
    private void ObserveClock(TimeSpan skew)
    {
        _status.SetClockSkew((int)Math.Round(skew.TotalSeconds));
        var skewed = skew.Duration() > ClockSkewLimit;
        if (skewed != _clockSkewed)
        {
            _clockSkewed = skewed;
            if (skewed)
            {
                Log.ClockSkewed(_logger, skew.TotalSeconds);
            }
            else
            {
                Log.ClockInSync(_logger, skew.TotalSeconds);
            }
        }
    }

    private void PublishQueue() => _status.SetQueue(_queue.Count, _queue.DroppedCount, _queue.Problem);

    private DateTimeOffset NextWake()
    {
        var wake = _nextSampleAt;
        if (Volatile.Read(ref _extraRequested) == 1 && _extraNotBefore < wake)
        {
            wake = _extraNotBefore;
        }

        if (_queue.Count > 0)
        {
            var sendAt = Max(Max(_retryAfterUntil, _backoffUntil), _drainNotBefore);
            if (sendAt < wake)
            {
                wake = sendAt;
            }
        }

        return wake;
    }

    private async Task WaitAsync(DateTimeOffset wake, CancellationToken cancellationToken)
    {
        var delay = wake - _time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            Waiting?.Invoke(wake);
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _time, stop.Token);
        var signal = _signal ??= _wake.WaitAsync(cancellationToken);
        Waiting?.Invoke(wake);
        await Task.WhenAny(timer, signal).ConfigureAwait(false);
        if (signal.IsCompleted)
        {
            _signal = null;
        }

        // Ends the delay's timer; a cancelled Task.Delay completes without throwing.
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary><see cref="WaitAsync"/> as a blocking wait of this thread: no timer, no other thread woken.</summary>
    private void Wait(DateTimeOffset wake, CancellationToken cancellationToken)
    {
        var delay = wake - _time.GetUtcNow();
        Waiting?.Invoke(wake);
        if (delay > TimeSpan.Zero)
        {
            // A signal (RequestHeartbeat) ends it early; the loop then looks at the flag.
            _ = _wakeNow.Wait(BlockingWaitTime(delay), cancellationToken);
            _wakeNow.Reset();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// How long <see cref="Wait"/> sleeps for a wake <paramref name="delay"/> ahead: rounded up to whole milliseconds,
    /// at most the longest interval (the wake is on the wall clock: after a jump back the loop looks again then rather
    /// than sleeping past it).
    /// </summary>
    /// <remarks>
    /// The blocking wait counts whole milliseconds and drops the rest, and a wait of less than one returns at once: the
    /// loop woke up to 1 ms before its wake time and then went round without sleeping until the wall clock got there,
    /// 35–65 times per heartbeat (docs/decisions/one-thread-per-heartbeat.md, seventh pass).
    /// </remarks>
    internal static TimeSpan BlockingWaitTime(TimeSpan delay)
    {
        if (delay >= MaxBlockingWait)
        {
            return MaxBlockingWait;
        }

        var milliseconds = (delay.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);
    }

    private void Signal()
    {
        _wakeNow.Set();
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; the loop will look at the flag.
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static int ClampInterval(int seconds) =>
        Math.Clamp(seconds, AgentOptions.MinIntervalSeconds, AgentOptions.MaxIntervalSeconds);
}
