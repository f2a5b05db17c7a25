namespace UPanel.Panel.Alerts;

/// <summary>
/// One event to deliver to one channel, leased; <see cref="Attempt"/> counts from 1, <see cref="Repeat"/> is 0 for the
/// first send of a firing alert and n for its n-th repeat.
/// </summary>
internal sealed record Notification(long OutboxId, int Attempt, int Repeat, AlertEvent Event, AlertChannel Channel);
