using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>
/// A notification channel. <see cref="Url"/> is shown up to its host only (Slack and Discord put their secret in the
/// path; an e-mail channel's is <c>smtp://host:port</c>, <c>smtps://</c> with implicit TLS); <see cref="Secret"/> only in the answer that created it. An
/// e-mail channel also shows its sender, recipients, username and CA file; its password never.
/// </summary>
internal sealed record AlertChannelView
{
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public required string Url { get; init; }
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Secret { get; init; }
    public string? Tls { get; init; }
    public string? From { get; init; }
    public IReadOnlyList<string>? To { get; init; }
    public string? Username { get; init; }
    public string? CaFile { get; init; }
}
