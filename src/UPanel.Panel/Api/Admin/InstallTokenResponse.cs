using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

internal sealed record InstallTokenResponse
{
    public required string InstallToken { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset ExpiresAt { get; init; }
}
