using System.Collections.Immutable;

namespace UPanel.Panel.Alerts;

/// <summary>
/// Which alerts become notifications: mutes and the repeat interval. A resolution goes out exactly when its firing
/// did, muted or not: whoever heard of the problem hears of its end, and no one else.
/// </summary>
internal static class NotificationPolicy
{
    private static readonly IReadOnlySet<AlertTransition> NothingSent = ImmutableHashSet<AlertTransition>.Empty;

    public static bool IsMuted(AlertKey key, IEnumerable<AlertMute> mutes, DateTimeOffset now) => mutes.Any(m => m.Covers(key, now));

    /// <summary>
    /// A firing alert is due when it is not muted and was never sent (so one that started during maintenance and still
    /// fires is sent when the mute ends), or when <paramref name="repeatEvery"/> (null: never) has passed since the last send.
    /// </summary>
    public static bool FiringDue(AlertKey key, DateTimeOffset? lastSentAt, TimeSpan? repeatEvery, IEnumerable<AlertMute> mutes, DateTimeOffset now) =>
        !IsMuted(key, mutes, now)
        && (lastSentAt is not { } sent || (repeatEvery is { } every && now - sent >= every));

    /// <summary>
    /// After an evaluation gave <paramref name="state"/> and <paramref name="transitions"/>: which transitions are sent
    /// (the rest are recorded only), which alerts firing from before are sent now, and the state remembering it.
    /// </summary>
    public static (ServerAlertState State, IReadOnlySet<AlertTransition> Sent, IReadOnlyList<Resend> Resends) Decide(
        ServerAlertState state, IReadOnlyList<AlertTransition> transitions, TimeSpan? repeatEvery, IReadOnlyList<AlertMute> mutes, DateTimeOffset now)
    {
        // Most evaluations: nothing changed, nothing firing, nothing remembered as sent. Nothing to send or forget; the
        // state as it is, without the builders, sets and key lists below (each made per evaluation, per heartbeat).
        if (transitions.Count == 0 && state.Firing.IsEmpty && state.Notified.IsEmpty)
        {
            return (state, NothingSent, []);
        }

        var notified = state.Notified.ToBuilder();
        var sent = new HashSet<AlertTransition>();
        foreach (var transition in transitions)
        {
            if (transition.Firing && FiringDue(transition.Key, null, repeatEvery, mutes, now))
            {
                sent.Add(transition);
                notified[transition.Key] = new AlertNotice(now, 1);
            }
            else if (!transition.Firing && notified.Remove(transition.Key))
            {
                sent.Add(transition);
            }
        }

        var changed = transitions.Select(t => t.Key).ToHashSet();
        var resends = new List<Resend>();
        foreach (var key in state.Firing.Keys.Where(k => !changed.Contains(k)).OrderBy(k => k.Kind).ThenBy(k => k.Container, StringComparer.Ordinal))
        {
            var before = notified.GetValueOrDefault(key);
            if (FiringDue(key, before?.LastSentAt, repeatEvery, mutes, now))
            {
                resends.Add(new Resend(key, before?.Sent ?? 0));
                notified[key] = new AlertNotice(now, (before?.Sent ?? 0) + 1);
            }
        }

        // Only firing alerts are remembered (a resolution removed its own above).
        foreach (var key in notified.Keys.Where(k => !state.Firing.ContainsKey(k)).ToList())
        {
            notified.Remove(key);
        }

        return (state with { Notified = notified.ToImmutable() }, sent, resends);
    }
}
