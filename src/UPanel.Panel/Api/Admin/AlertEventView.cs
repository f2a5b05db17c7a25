using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>An alert that fired (<c>state: firing</c>) or resolved; <see cref="Muted"/>: a mute held its notification back when it was recorded.</summary>
internal sealed record AlertEventView
{
    public required long Id { get; init; }
    public required string ServerId { get; init; }
    public required string Hostname { get; init; }
    public required string Kind { get; init; }
    public string? Container { get; init; }
    public required string State { get; init; }
    public required string Summary { get; init; }
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset At { get; init; }
    public required bool Muted { get; init; }
}
