using System.Text.Json.Serialization;

namespace UPanel.Panel.Api.Admin;

/// <summary>Mute a server's notifications, or one container's (by name) when <see cref="Container"/> is given, until <see cref="Until"/>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record MuteRequest
{
    public string? Container { get; init; }
    public DateTimeOffset? Until { get; init; }
}
