using System.Collections.Immutable;
using System.Globalization;
using UPanel.Contracts;

namespace UPanel.Panel.Alerts;

/// <summary>
/// The rules as a pure function: the previous state, what the panel now knows about a server, the rules and the time
/// give the next state and the alerts that fired or resolved. No I/O and no clock of its own, so every duration is
/// tested on fake time; storing the state and sending notifications are someone else's job.
/// </summary>
internal static class AlertEvaluator
{
    public static (ServerAlertState State, IReadOnlyList<AlertTransition> Transitions) Evaluate(
        ServerAlertState previous, ServerSnapshot server, AlertRules rules, DateTimeOffset now) =>
        Evaluate(previous, server, rules, now, skipUnchanged: true);

    /// <param name="skipUnchanged">
    /// Whether a heartbeat whose containers are all as before, with nothing to act on for any of them, skips their checks
    /// (what the panel does); false checks each container (the tests compare both).
    /// </param>
    internal static (ServerAlertState State, IReadOnlyList<AlertTransition> Transitions) Evaluate(
        ServerAlertState previous, ServerSnapshot server, AlertRules rules, DateTimeOffset now, bool skipUnchanged)
    {
        var evaluation = new Evaluation(previous, server, rules, now, skipUnchanged);
        evaluation.SwitchedOff();

        // Whether or not it is offline: an agent whose token is refused is offline for that very reason.
        evaluation.TokenFailures();
        if (!evaluation.Offline())
        {
            // Figures of a server that has gone quiet are stale: its other alerts keep their state until it returns.
            evaluation.Thresholds();
            evaluation.Containers();
        }

        return evaluation.Result();
    }

    /// <summary>
    /// Not a failure: 0, 143 (SIGTERM: docker stop) and 137 without an OOM kill (SIGKILL: docker stop after its timeout,
    /// which a shell as PID 1 always reaches, or docker kill).
    /// </summary>
    public static bool IsFailedExit(int exitCode) => exitCode is not (0 or 143 or 137);

    /// <summary>
    /// No heartbeat for more than <see cref="AlertRules.OfflineAfterIntervals"/> of its intervals (never reported: not
    /// offline). Then its other alerts keep their state: its figures, containers and history are not looked at.
    /// </summary>
    public static bool IsOffline(DateTimeOffset? lastSeenAt, TimeSpan interval, AlertRules rules, DateTimeOffset now) =>
        lastSeenAt is { } seen && now - seen > interval * rules.OfflineAfterIntervals;

    /// <summary>
    /// A container as the state remembers it: without its CPU, memory and uptime, which no rule reads and which change
    /// every heartbeat. So a heartbeat that changes nothing the rules look at leaves the stored state as it was, and
    /// its evaluation writes nothing (docs/decisions/ingest-throughput.md).
    /// </summary>
    internal static ContainerInfo Judged(ContainerInfo container) =>
        container with { CpuPercent = 0, MemoryMb = 0, UptimeSeconds = null };

    /// <summary>Whether <c>Judged(container) == judged</c>, the record's equality, without making the copy.</summary>
    internal static bool SameJudged(ContainerInfo container, ContainerInfo judged) =>
        judged.CpuPercent.Equals(0d) && judged.MemoryMb == 0 && judged.UptimeSeconds is null
        && container.Id == judged.Id && container.Name == judged.Name && container.Image == judged.Image
        && container.Status == judged.Status && container.Health == judged.Health
        && container.RestartCount == judged.RestartCount && container.ExitCode == judged.ExitCode
        && container.OomKilled == judged.OomKilled && Nullable.Equals(container.FinishedAt, judged.FinishedAt);

    /// <summary>The most containers a heartbeat may list for its unchanged containers to be checked without a copy.</summary>
    internal const int MaxUnchangedContainers = 64;

    private static bool Ended(string status) => status is "exited" or "dead";

    private static double? Percent(long? used, long? total) =>
        used is { } u && total is > 0 and { } t ? 100.0 * u / t : null;

    private sealed class Evaluation(ServerAlertState previous, ServerSnapshot server, AlertRules rules, DateTimeOffset now, bool skipUnchanged)
    {
        private readonly ImmutableDictionary<AlertKey, DateTimeOffset>.Builder _firing = previous.Firing.ToBuilder();
        private readonly ImmutableDictionary<AlertKey, DateTimeOffset>.Builder _pending = previous.Pending.ToBuilder();
        private readonly ImmutableDictionary<string, ImmutableList<DateTimeOffset>>.Builder _restarts = previous.Restarts.ToBuilder();
        private readonly List<AlertTransition> _transitions = [];
        private ImmutableDictionary<string, ContainerInfo>? _containers = previous.Containers;

        /// <summary>An alert whose rule was switched off resolves: it will not be evaluated again to end it.</summary>
        public void SwitchedOff()
        {
            // Most states have nothing firing or pending: no key list, filter or closure made for them.
            if (_firing.Count == 0 && _pending.Count == 0)
            {
                return;
            }

            foreach (var key in _firing.Keys.Where(k => !rules.Enabled(k.Kind)).ToList())
            {
                Resolve(key, "its rule was switched off");
            }

            foreach (var key in _pending.Keys.Where(k => !rules.Enabled(k.Kind)).ToList())
            {
                _pending.Remove(key);
            }
        }

        public bool Offline()
        {
            var offline = IsOffline(server.LastSeenAt, server.Interval, rules, now);
            Hold(
                Key(AlertKind.ServerOffline),
                offline,
                !offline,
                TimeSpan.Zero,
                () => $"no heartbeat for {Minutes(now - server.LastSeenAt!.Value)} (offline after {rules.OfflineAfterIntervals} intervals of {Minutes(server.Interval)})",
                () => "heartbeats are arriving again");
            return offline;
        }

        public void TokenFailures()
        {
            var failures = server.TokenFailures.Count(at => now - at <= rules.TokenFailuresWindow);
            Hold(
                Key(AlertKind.TokenFailures),
                failures >= rules.TokenFailuresCount,
                failures == 0,
                TimeSpan.Zero,
                () => $"{failures} heartbeats naming this server were refused for their token within {Minutes(rules.TokenFailuresWindow)}: its agent's token is wrong, revoked or rotated out (or someone else sends them); check the agent's log and AGENT_TOKEN, or register it again",
                () => $"no heartbeat naming this server was refused for its token for {Minutes(rules.TokenFailuresWindow)}");
        }

        public void Thresholds()
        {
            var metrics = server.Metrics;
            Threshold(AlertKind.CpuHigh, "CPU", metrics?.CpuPercent, rules.CpuPercent, rules.CpuFor);
            Threshold(AlertKind.RamHigh, "RAM", Percent(metrics?.RamUsedMb, metrics?.RamTotalMb), rules.RamPercent, rules.RamFor);
            Threshold(AlertKind.DiskHigh, "disk", Percent(metrics?.DiskUsedGb, metrics?.DiskTotalGb), rules.DiskPercent, rules.DiskFor);
            Load(metrics?.LoadAverage is [var load, ..] ? load : null);

            // Resolves only once the trend gives it twice the warning time, so a forecast at the edge does not flap.
            var full = DiskForecast.TimeToFull(server.DiskTrend, rules.DiskForecastWindow, now);
            Hold(
                Key(AlertKind.DiskFullForecast),
                full <= rules.DiskFullWithin,
                full is null || full > rules.DiskFullWithin * 2,
                TimeSpan.Zero,
                () => $"at the trend of the last {Minutes(rules.DiskForecastWindow)} the disk is full in {Minutes(full!.Value)}",
                () => "the disk is no longer filling up that fast");

            var behind = Api.AgentUpdate.IsAvailable(server.TargetAgentVersion, server.AgentVersion);
            Hold(
                Key(AlertKind.AgentBehind),
                behind,
                !behind,
                rules.AgentBehindFor,
                () => $"agent {server.AgentVersion} is not at the target version {server.TargetAgentVersion} after {Minutes(rules.AgentBehindFor)} (update it: docker compose pull && docker compose up -d)",
                () => server.TargetAgentVersion is null ? "no target version is set any more" : $"agent at the target version {server.TargetAgentVersion}");

            // Either way: an agent ahead of the panel stamps its samples in the future, one behind in the past.
            if (server.ClockSkewSeconds is { } skew)
            {
                var off = Math.Abs((long)skew);
                Hold(
                    Key(AlertKind.ClockSkew),
                    off > rules.ClockSkewSeconds,
                    off <= rules.ClockSkewSeconds / 2,
                    rules.ClockSkewFor,
                    () => $"the server's clock is {off} s {(skew > 0 ? "behind" : "ahead of")} the panel's (more than {rules.ClockSkewSeconds} s for {Minutes(rules.ClockSkewFor)}): its heartbeat times are off by as much; run time sync on it (systemd-timesyncd, chrony)",
                    () => $"the server's clock is within {off} s of the panel's");
            }
        }

        public void Containers()
        {
            if (server.Containers is not { } list)
            {
                return;
            }

            var before = previous.Containers;
            if (skipUnchanged && before is not null && Quiet(previous) && Unchanged(list, before))
            {
                // What the full path below gives for such a list: the same containers (each as judged now equals the one
                // before), none disappeared, and for each no alert, hold or restart to act on, so no transition and no
                // change (docs/decisions/ingest-throughput.md, ninth pass). Most heartbeats of a quiet fleet.
                return;
            }

            var current = ImmutableDictionary.CreateBuilder<string, ContainerInfo>(StringComparer.Ordinal);
            foreach (var container in list)
            {
                current[container.Name] = Judged(container);
            }

            foreach (var container in current.Values)
            {
                Container(container, before is null ? null : before.GetValueOrDefault(container.Name), before is not null);
            }

            foreach (var gone in before?.Values.Where(c => !current.ContainsKey(c.Name)) ?? [])
            {
                Disappeared(gone);
            }

            _containers = current.ToImmutable();
        }

        /// <summary>
        /// Whether <paramref name="list"/> names the containers of <paramref name="before"/>, each once, and each as judged
        /// (<see cref="Judged"/>) equal to the one before, with rules under which such a container neither fires nor holds:
        /// not unhealthy, and a restart loop that needs at least one restart. Compared field by field, without a judged
        /// copy (<c>AlertEvaluatorTests</c> changes each field in turn).
        /// </summary>
        private bool Unchanged(IReadOnlyList<ContainerInfo> list, ImmutableDictionary<string, ContainerInfo> before)
        {
            // The names' distinctness is checked pair by pair: longer lists take the full path.
            if (list.Count != before.Count || list.Count > MaxUnchangedContainers || rules.RestartLoopRestarts <= 0)
            {
                return false;
            }

            for (var i = 0; i < list.Count; i++)
            {
                var container = list[i];
                if (container.Health == "unhealthy" || !before.TryGetValue(container.Name, out var was) || !SameJudged(container, was))
                {
                    return false;
                }

                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(list[j].Name, container.Name, StringComparison.Ordinal))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>
        /// No container alert firing or pending and no restart remembered in the previous state (the evaluation adds
        /// container keys only in <see cref="Containers"/>): nothing an unchanged container's check could act on.
        /// </summary>
        private static bool Quiet(ServerAlertState state) =>
            state.Restarts.IsEmpty && !HasContainerKey(state.Firing) && !HasContainerKey(state.Pending);

        private static bool HasContainerKey(ImmutableDictionary<AlertKey, DateTimeOffset> alerts)
        {
            foreach (var (key, _) in alerts)
            {
                if (key.Container is not null)
                {
                    return true;
                }
            }

            return false;
        }


        public (ServerAlertState, IReadOnlyList<AlertTransition>) Result() => (
            previous with
            {
                Firing = _firing.ToImmutable(),
                Pending = _pending.ToImmutable(),
                Containers = _containers,
                Restarts = _restarts.ToImmutable(),
            },
            _transitions);

        private void Threshold(AlertKind kind, string what, double? value, double threshold, TimeSpan duration)
        {
            if (value is not { } v)
            {
                return;
            }

            Hold(
                Key(kind),
                v >= threshold,
                v < threshold - rules.HysteresisPoints,
                duration,
                () => $"{what} at {v:0.#} % (at or above {threshold:0.#} % for {Minutes(duration)})",
                () => $"{what} back to {v:0.#} %");
        }

        /// <summary>The 1-minute load above cores × factor; resolves below <see cref="AlertRules.LoadHysteresis"/> of that.</summary>
        private void Load(double? value)
        {
            if (value is not { } v || server.CpuCores is not { } cores || cores <= 0)
            {
                return;
            }

            var limit = cores * rules.LoadPerCore;
            Hold(
                Key(AlertKind.LoadHigh),
                v > limit,
                v < limit * rules.LoadHysteresis,
                rules.LoadFor,
                () => $"load {v:0.##} above {limit:0.##} ({cores} cores × {rules.LoadPerCore:0.##}) for {Minutes(rules.LoadFor)}",
                () => $"load back to {v:0.##}");
        }

        /// <param name="before">The container in the previous heartbeat (null when new).</param>
        /// <param name="seenBefore">The server's containers were known before: a stop is news only then.</param>
        private void Container(ContainerInfo container, ContainerInfo? before, bool seenBefore)
        {
            var name = container.Name;
            Resolve(Key(AlertKind.ContainerDisappeared, name), "it is back");

            var ended = seenBefore && Ended(container.Status);
            var sameExit = before is not null && Ended(before.Status) && before.FinishedAt == container.FinishedAt;
            var stopped = ended && !sameExit;
            // An exit already seen can turn out to be an OOM kill a heartbeat later: an engine may send its oom event
            // after its die (docs/decisions/oom-killed-from-events.md).
            if (ended && container.OomKilled == true && !(sameExit && before!.OomKilled == true))
            {
                Fire(Key(AlertKind.ContainerOomKilled, name), $"{Describe(container)} was killed for running out of memory (exit code {container.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"})");
            }
            else if (stopped && container.ExitCode is { } code && IsFailedExit(code))
            {
                Fire(Key(AlertKind.ContainerExited, name), $"{Describe(container)} exited with code {code}");
            }

            if (container.Status == "running")
            {
                Resolve(Key(AlertKind.ContainerExited, name), "it is running again");
                Resolve(Key(AlertKind.ContainerOomKilled, name), "it is running again");
            }

            var unhealthy = container.Health == "unhealthy";
            Hold(
                Key(AlertKind.ContainerUnhealthy, name),
                unhealthy,
                !unhealthy,
                rules.UnhealthyFor,
                () => $"{Describe(container)} has been unhealthy for {Minutes(rules.UnhealthyFor)}",
                () => $"{Describe(container)} is {container.Health ?? "no longer unhealthy"}");

            // A container that is new since the previous heartbeat restarted that often since it was created (the agent
            // reports a new container within seconds, from the engine's events): a loop shows from its first sighting.
            // In a server's first list, or its first since it was offline, nothing says when those restarts were.
            var restarts = (_restarts.GetValueOrDefault(name) ?? []).RemoveAll(at => now - at > rules.RestartLoopWindow);
            var created = before is null && seenBefore && !previous.Firing.ContainsKey(Key(AlertKind.ServerOffline));
            var grew = (container.RestartCount ?? 0) - (created ? 0 : before?.RestartCount ?? container.RestartCount ?? 0);
            for (var i = 0; i < Math.Min(grew, rules.RestartLoopRestarts); i++)
            {
                restarts = restarts.Add(now);
            }

            SetRestarts(name, restarts);
            Hold(
                Key(AlertKind.ContainerRestartLoop, name),
                restarts.Count >= rules.RestartLoopRestarts,
                restarts.IsEmpty,
                TimeSpan.Zero,
                () => $"{Describe(container)} restarted {restarts.Count} times within {Minutes(rules.RestartLoopWindow)} (restart count {container.RestartCount})",
                () => $"{Describe(container)} has not restarted for {Minutes(rules.RestartLoopWindow)}");
        }

        private void Disappeared(ContainerInfo gone)
        {
            var name = gone.Name;
            foreach (var kind in (AlertKind[])[AlertKind.ContainerExited, AlertKind.ContainerOomKilled, AlertKind.ContainerUnhealthy, AlertKind.ContainerRestartLoop])
            {
                _pending.Remove(Key(kind, name));
                Resolve(Key(kind, name), "it was removed");
            }

            _restarts.Remove(name);
            if (gone.Status == "running")
            {
                Fire(Key(AlertKind.ContainerDisappeared, name), $"{Describe(gone)} was running and is gone");
            }
        }

        private void SetRestarts(string name, ImmutableList<DateTimeOffset> restarts)
        {
            if (restarts.IsEmpty)
            {
                _restarts.Remove(name);
            }
            else
            {
                _restarts[name] = restarts;
            }
        }

        /// <summary>
        /// A condition that must hold for <paramref name="duration"/> before it fires, and once firing resolves only
        /// when <paramref name="clears"/> (which the hysteresis puts below where it fired).
        /// </summary>
        private void Hold(AlertKey key, bool holds, bool clears, TimeSpan duration, Func<string> firing, Func<string> resolved)
        {
            if (!rules.Enabled(key.Kind))
            {
                return;
            }

            if (_firing.ContainsKey(key))
            {
                if (clears)
                {
                    Resolve(key, resolved());
                }

                return;
            }

            if (!holds)
            {
                _pending.Remove(key);
                return;
            }

            var since = _pending.GetValueOrDefault(key, now);
            if (now - since >= duration)
            {
                _pending.Remove(key);
                Fire(key, firing());
            }
            else
            {
                _pending[key] = since;
            }
        }

        private void Fire(AlertKey key, string summary)
        {
            if (rules.Enabled(key.Kind) && _firing.TryAdd(key, now))
            {
                _transitions.Add(new AlertTransition(key, true, now, summary));
            }
        }

        private void Resolve(AlertKey key, string summary)
        {
            if (_firing.Remove(key))
            {
                _transitions.Add(new AlertTransition(key, false, now, summary));
            }
        }

        private AlertKey Key(AlertKind kind, string? container = null) => new(server.ServerId, kind, container);

        private static string Describe(ContainerInfo container) => $"container {container.Name} ({container.Image})";

        private static string Minutes(TimeSpan span) =>
            span.TotalSeconds < 120 ? $"{(long)span.TotalSeconds} s"
            : span.TotalHours < 3 ? $"{(long)span.TotalMinutes} min"
            : $"{(long)span.TotalHours} h";
    }
}
