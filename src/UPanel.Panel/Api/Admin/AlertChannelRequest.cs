using System.Text.Json.Serialization;

namespace UPanel.Panel.Api.Admin;

/// <summary>
/// A new notification channel: <c>webhook</c> (signed JSON; a secret is made when none is given), <c>slack</c>,
/// <c>discord</c> or <c>ntfy</c> at <see cref="Url"/>; or <c>email</c> through the SMTP relay at <see cref="Host"/>
/// (<see cref="Port"/> 587 by default, STARTTLS required; or <see cref="Tls"/> <c>implicit</c>, port 465 by default) from <see cref="From"/> to <see cref="To"/>, authenticated as
/// <see cref="Username"/> (password: the panel's <c>UPANEL_SMTP_PASSWORD</c>) when set, trusting the CA certificates
/// in <see cref="CaFile"/> (a PEM file on the panel's machine) instead of the system's when set.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record AlertChannelRequest
{
    public string? Kind { get; init; }
    public string? Url { get; init; }
    public string? Secret { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Tls { get; init; }
    public string? From { get; init; }
    public IReadOnlyList<string>? To { get; init; }
    public string? Username { get; init; }
    public string? CaFile { get; init; }
}
