namespace UPanel.Panel.Alerts;

/// <summary>One notification of an alert to one channel, as the outbox holds it: the delivery log.</summary>
internal sealed record Delivery(
    long EventId, string ChannelId, string ChannelKind, int Repeat, int Attempts, DateTimeOffset NextAttemptAt, DateTimeOffset? DeliveredAt, string? LastError)
{
    /// <summary>
    /// <c>delivered</c>, <c>failed</c> (given up after the last attempt), <c>retrying</c> (an attempt failed) or
    /// <c>pending</c> (no attempt has failed yet, including while the first one is on its way: a lease counts the attempt
    /// before its answer is known).
    /// </summary>
    public string State =>
        DeliveredAt is not null ? "delivered"
        : LastError is null ? "pending"
        : Attempts >= NotificationSender.MaxAttempts ? "failed"
        : "retrying";
}
