using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>
/// One notification of an alert to one channel: <c>state</c> delivered, retrying (with the channel's last answer and
/// the next attempt), failed (given up) or pending; <c>repeat</c> 0 is the first send.
/// </summary>
internal sealed record DeliveryView
{
    public required string ChannelId { get; init; }
    public required string ChannelKind { get; init; }
    public required int Repeat { get; init; }
    public required string State { get; init; }
    public required int Attempts { get; init; }
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? DeliveredAt { get; init; }
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
}
