namespace UPanel.Panel.Alerts;

/// <summary>One notification of an alert to one channel, as the outbox holds it: the delivery log.</summary>
internal sealed record Delivery(
    long EventId, string ChannelId, string ChannelKind, int Repeat, int Attempts, DateTimeOffset NextAttemptAt, DateTimeOffset? DeliveredAt, string? LastError)
{
    /// <summary><c>delivered</c>, <c>failed</c> (given up after the last attempt), <c>retrying</c> or <c>pending</c> (not tried yet).</summary>
    public string State =>
        DeliveredAt is not null ? "delivered"
        : Attempts >= NotificationSender.MaxAttempts ? "failed"
        : Attempts > 0 ? "retrying"
        : "pending";
}
