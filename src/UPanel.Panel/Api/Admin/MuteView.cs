using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>A mute: no notifications for the server (or only its <see cref="Container"/>) until <see cref="Until"/>.</summary>
internal sealed record MuteView
{
    public required string Id { get; init; }
    public required string ServerId { get; init; }
    public required string Hostname { get; init; }
    public string? Container { get; init; }
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset Until { get; init; }
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset CreatedAt { get; init; }
}
