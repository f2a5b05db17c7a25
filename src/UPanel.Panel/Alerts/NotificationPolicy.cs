namespace UPanel.Panel.Alerts;

/// <summary>
/// Which firing alerts become notifications: mutes and the repeat interval. A resolution goes out exactly when its
/// firing did, muted or not: whoever heard of the problem hears of its end, and no one else.
/// </summary>
internal static class NotificationPolicy
{
    public static bool IsMuted(AlertKey key, IEnumerable<AlertMute> mutes, DateTimeOffset now) => mutes.Any(m => m.Covers(key, now));

    /// <summary>
    /// A firing alert is due when it is not muted and was never sent (so one that started during maintenance and still
    /// fires is sent when the mute ends), or when <paramref name="repeatEvery"/> (null: never) has passed since the last send.
    /// </summary>
    public static bool FiringDue(AlertKey key, DateTimeOffset? lastSentAt, TimeSpan? repeatEvery, IEnumerable<AlertMute> mutes, DateTimeOffset now) =>
        !IsMuted(key, mutes, now)
        && (lastSentAt is not { } sent || (repeatEvery is { } every && now - sent >= every));
}
