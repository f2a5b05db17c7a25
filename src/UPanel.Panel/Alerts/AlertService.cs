using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Alerts;

/// <summary>
/// Runs the rules (<see cref="AlertEvaluator"/>) inside the panel: for a server as soon as a heartbeat became its latest
/// state, when its grace for heartbeats runs out (a server that went quiet sends nothing to evaluate), and for every
/// server each <see cref="SweepInterval"/> (what no heartbeat or grace marks: a mute running out, a repeat, a server
/// this panel has not evaluated since it started). One evaluation at a time; the state, the events and their
/// notifications are committed together (<see cref="AlertStore.CommitAsync"/>), so a panel restart neither repeats nor
/// loses one.
/// </summary>
internal sealed class AlertService(
    IPanelStore store, AlertStore alerts, NotificationSender sender, TimeProvider time, ILogger<AlertService> logger) : BackgroundService
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    // Server ids to evaluate, and null for a sweep of every server (written by the sweep timer).
    private readonly Channel<string?> _due = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });
    private TaskCompletionSource _evaluated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Per server, a timer set to just after its grace for heartbeats runs out, moved at each of its evaluations: a quiet
    // server is found offline then, not up to a sweep later (a 5 s server would be offline after 15 to 45 s). Touched
    // only by the evaluation loop.
    private readonly Dictionary<string, ITimer> _graceTimers = new(StringComparer.Ordinal);

    // The heartbeat that became each server's latest state here, handed over by the ingest until the server's next
    // evaluation takes it: the evaluation reads it from the database only when it is no longer the latest (another panel
    // stored a newer one). Held only until that evaluation, so its size is the evaluations waiting, not the fleet.
    private readonly ConcurrentDictionary<string, Heartbeat> _stored = new(StringComparer.Ordinal);

    // The alert state each server's last evaluation here read or wrote, by version: the evaluation reads only the stored
    // version while it is the same. Touched only by the evaluation loop; emptied when it reaches its bound.
    private readonly Dictionary<string, KnownState> _states = new(StringComparer.Ordinal);

    // The disk forecast's sums per server, for the minute they were taken at (DiskForecast.FittedAt): the evaluations of one
    // minute reuse them instead of summing the window again (docs/decisions/ingest-throughput.md, twelfth pass). Touched
    // only by the evaluation loop; emptied when it reaches MaxKnownStates.
    private readonly Dictionary<string, FittedTrend> _trends = new(StringComparer.Ordinal);

    /// <summary>How many servers' alert states are kept parsed at most (about 5 KB each with 20 containers).</summary>
    public const int MaxKnownStates = 10_000;

    /// <summary>Completes after the next evaluation pass (tests wait on it instead of sleeping).</summary>
    public Task NextEvaluation => Volatile.Read(ref _evaluated).Task;

    /// <summary>A heartbeat became <paramref name="serverId"/>'s latest state, or its settings changed: evaluate it now. Non-blocking.</summary>
    public void EvaluateSoon(string serverId) => _due.Writer.TryWrite(serverId);

    /// <summary>
    /// <paramref name="heartbeat"/> (as stored: normalized) became <paramref name="serverId"/>'s latest state: evaluate
    /// it now, from this heartbeat rather than from the database (docs/decisions/ingest-throughput.md). Non-blocking.
    /// </summary>
    public void LatestStored(string serverId, Heartbeat heartbeat)
    {
        // Two of a server's heartbeats stored at once may get here in either order: the newer one stays.
        _stored.AddOrUpdate(serverId, heartbeat, (_, held) => IsNewer(heartbeat, held) ? heartbeat : held);
        EvaluateSoon(serverId);
    }

    private static bool IsNewer(Heartbeat candidate, Heartbeat than) =>
        (candidate.Timestamp, candidate.Seq ?? long.MinValue).CompareTo((than.Timestamp, than.Seq ?? long.MinValue)) > 0;

    /// <summary>
    /// Whether <paramref name="heartbeat"/> is what <paramref name="server"/>'s row holds as its latest state: the same
    /// sample time (stored to the millisecond) and seq. The writer replaces the latest only with a later sample or, at the
    /// same sample, a higher seq, so no other heartbeat that became the latest has both.
    /// </summary>
    public static bool IsLatestOf(Heartbeat heartbeat, EvaluatedServer server) =>
        heartbeat.Timestamp?.ToUnixTimeMilliseconds() == server.LatestSampleAt?.ToUnixTimeMilliseconds()
        && heartbeat.Seq == server.LatestSeq;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The sweep's timer ticks on its own rather than being set after each pass: a pass never delays a sweep, and a
        // clock moved while a pass runs (a test's fake one) still finds the timer it has to fire.
        using var sweeps = time.CreateTimer(_ => _due.Writer.TryWrite(null), null, SweepInterval, SweepInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _due.Reader.WaitToReadAsync(stoppingToken);

                // Whatever queued meanwhile names a server once however many heartbeats arrived, and sweeps once.
                var due = new HashSet<string>(StringComparer.Ordinal);
                var sweep = false;
                while (_due.Reader.TryRead(out var serverId))
                {
                    if (serverId is null)
                    {
                        sweep = true;
                    }
                    else
                    {
                        due.Add(serverId);
                    }
                }

                if (sweep)
                {
                    await AddEveryServerAsync(due, stoppingToken);
                }

                foreach (var serverId in due)
                {
                    await EvaluateAsync(serverId, stoppingToken);
                }

                Interlocked.Exchange(ref _evaluated, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <param name="left">How long until the server's grace runs out; null or past: no timer (it never reported, or it is offline already).</param>
    private void SetGraceTimer(string serverId, TimeSpan? left)
    {
        if (left is not { } due || due < TimeSpan.Zero)
        {
            return;
        }

        // Offline is "more than" the grace: a moment past it, so the evaluation the timer asks for finds it so.
        due += TimeSpan.FromMilliseconds(10);
        if (_graceTimers.TryGetValue(serverId, out var timer))
        {
            timer.Change(due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _graceTimers[serverId] = time.CreateTimer(id => EvaluateSoon((string)id!), serverId, due, Timeout.InfiniteTimeSpan);
        }
    }

    public override void Dispose()
    {
        foreach (var timer in _graceTimers.Values)
        {
            timer.Dispose();
        }

        base.Dispose();
    }

    private async Task AddEveryServerAsync(HashSet<string> due, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var server in await store.ListServersAsync(cancellationToken))
            {
                due.Add(server.Id);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The database is away: this sweep is skipped (the next one comes with the timer), the panel keeps running.
            Log.SweepFailed(logger, exception);
        }
    }

    private async Task EvaluateAsync(string serverId, CancellationToken cancellationToken)
    {
        try
        {
            DateTimeOffset now;
            ServerSnapshot snapshot;
            AlertRules rules;
            KnownState known;
            List<AlertMute> mutes;
            // The evaluation's reads on one connection, on SQLite in one read transaction (one snapshot, its pages read
            // once), ended before anything is written (docs/decisions/ingest-throughput.md, fifth pass). The server's row,
            // the alert state, the rules' settings and whether any token failure or mute exists come in one statement
            // (tenth pass); the failures and mutes themselves are read only when there are any to read.
            await using (var reads = await store.BeginReadsAsync(cancellationToken))
            {
                var knownState = _states.GetValueOrDefault(serverId);
                var server = await store.GetEvaluatedServerAsync(reads, serverId, knownState?.Version ?? -1, cancellationToken);
                if (server is null || server.RevokedAt is not null)
                {
                    if (_graceTimers.Remove(serverId, out var timer))
                    {
                        timer.Dispose();
                    }

                    _stored.TryRemove(serverId, out _);
                    _states.Remove(serverId);
                    _trends.Remove(serverId);

                    return;
                }

                now = time.GetUtcNow();
                rules = alerts.Rules(server.PanelRules, server.ServerRules);
                var interval = TimeSpan.FromSeconds(server.NextHeartbeatSeconds);
                // An offline server is judged on that alone, so its latest heartbeat (JSON with its containers) and its
                // hours of disk samples for the forecast are not read: most of a sweep over servers that went quiet.
                var offline = AlertEvaluator.IsOffline(server.LastSeenAt, interval, rules, now);
                var handed = _stored.TryRemove(serverId, out var stored) && IsLatestOf(stored, server);
                var latest = offline ? null : handed ? stored : await store.GetLatestHeartbeatAsync(reads, serverId, cancellationToken);
                var failuresSince = now - rules.TokenFailuresWindow;
                snapshot = new ServerSnapshot
                {
                    ServerId = serverId,
                    Interval = interval,
                    CpuCores = server.CpuCores,
                    LastSeenAt = server.LastSeenAt,
                    Metrics = latest?.Metrics,
                    AgentVersion = server.LatestAgentVersion ?? server.RegisteredAgentVersion,
                    TargetAgentVersion = server.TargetAgentVersion,
                    ClockSkewSeconds = latest?.ClockSkewSeconds,
                    TokenFailures = server.LatestTokenFailureAt >= failuresSince
                        ? await alerts.ListTokenFailuresAsync(reads, serverId, failuresSince, cancellationToken)
                        : [],
                    Containers = latest?.Containers,
                    DiskTrend = offline ? default : await DiskTrendAsync(reads, serverId, rules.DiskForecastWindow, now, cancellationToken),
                };

                known = State(serverId, knownState, server.StateVersion, server.StateJson);
                mutes = server.LatestMuteUntil > now
                    ? [.. (await alerts.ListMutesAsync(reads, now, serverId, cancellationToken)).Select(m => m.Mute)]
                    : [];
            }

            SetGraceTimer(serverId, snapshot.LastSeenAt + (snapshot.Interval * rules.OfflineAfterIntervals) - now);
            var (evaluated, transitions) = AlertEvaluator.Evaluate(known.State, snapshot, rules, now);
            var (next, sent, resends) = NotificationPolicy.Decide(evaluated, transitions, rules.RepeatEvery, mutes, now);
            // Most evaluations change nothing: seen on the states themselves before writing the JSON to compare.
            if (transitions.Count == 0 && known.Json is not null && next.SameAs(known.State))
            {
                return;
            }

            var nextJson = AlertStateJson.Write(next);
            if (transitions.Count == 0 && nextJson == known.Json)
            {
                return;
            }

            if (!await alerts.CommitAsync(serverId, known.Version, nextJson, transitions, sent, resends, now, cancellationToken))
            {
                // Another panel on the database committed this server's state first, from what it had read: evaluate
                // again from its state and the latest heartbeat, or what only this evaluation saw would wait for the
                // next heartbeat or sweep (and a container that exited and came back meanwhile would never be told).
                Log.EvaluationRaced(logger, serverId);
                _states.Remove(serverId);
                EvaluateSoon(serverId);
                return;
            }

            Remember(serverId, new KnownState(known.Version + 1, nextJson, next));
            foreach (var transition in transitions)
            {
                Log.Transition(logger, transition.Firing ? "firing" : "resolved", serverId, AlertNames.Of(transition.Key.Kind), transition.Key.Container, transition.Summary);
            }

            if (sent.Count > 0 || resends.Count > 0)
            {
                sender.Wake();
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.EvaluationFailed(logger, serverId, exception);
        }
    }

    /// <summary>
    /// The sums of <paramref name="serverId"/>'s forecast window ending at the start of <paramref name="now"/>'s minute,
    /// taken once a minute: every panel fits the same samples for the same minute, and a server reporting every few
    /// seconds is not summed again at each of its heartbeats (a 6-hour line barely moves in a minute).
    /// </summary>
    private async Task<DiskTrend> DiskTrendAsync(Reads reads, string serverId, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = DiskForecast.FittedAt(now);
        if (_trends.TryGetValue(serverId, out var kept) && kept.At == at && kept.Window == window)
        {
            return kept.Trend;
        }

        var trend = await store.GetDiskTrendAsync(reads, serverId, at - window, at, cancellationToken);
        if (_trends.Count >= MaxKnownStates && !_trends.ContainsKey(serverId))
        {
            _trends.Clear();
        }

        _trends[serverId] = new FittedTrend(at, window, trend);
        return trend;
    }

    /// <summary>
    /// The server's stored alert state (<paramref name="version"/>, 0 when none; <paramref name="json"/> left out when it
    /// is <paramref name="known"/>'s version), parsed only when its version is not the one this loop knows.
    /// </summary>
    private KnownState State(string serverId, KnownState? known, long version, string? json)
    {
        if (version == 0)
        {
            return KnownState.None;
        }

        if (json is null && known is not null)
        {
            return known;
        }

        var read = new KnownState(version, json!, AlertStateJson.Read(serverId, json!));
        Remember(serverId, read);
        return read;
    }

    private void Remember(string serverId, KnownState state)
    {
        if (_states.Count >= MaxKnownStates && !_states.ContainsKey(serverId))
        {
            _states.Clear();
        }

        _states[serverId] = state;
    }

    private sealed record FittedTrend(DateTimeOffset At, TimeSpan Window, DiskTrend Trend);

    /// <param name="Version">The stored version (0: none stored yet).</param>
    /// <param name="Json">The state as stored; null when none is.</param>
    private sealed record KnownState(long Version, string? Json, ServerAlertState State)
    {
        public static readonly KnownState None = new(0, null, ServerAlertState.Empty);
    }
}
