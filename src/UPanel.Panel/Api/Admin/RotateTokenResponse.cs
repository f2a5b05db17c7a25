using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>
/// The new token also goes to the agent in its next heartbeat response; it is returned here for delivery by other
/// means (SSH, as in the seed) and is not shown again.
/// </summary>
internal sealed record RotateTokenResponse
{
    public required string ServerId { get; init; }
    public required string AgentToken { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? PreviousTokenValidUntil { get; init; }
}
