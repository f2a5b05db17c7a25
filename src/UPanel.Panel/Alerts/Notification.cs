namespace UPanel.Panel.Alerts;

/// <summary>One event to deliver to one channel, leased; <see cref="Attempt"/> counts from 1.</summary>
internal sealed record Notification(long OutboxId, int Attempt, AlertEvent Event, AlertChannel Channel);
