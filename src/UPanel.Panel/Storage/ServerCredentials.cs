namespace UPanel.Panel.Storage;

/// <summary>The token state of one server, as found by one of its token hashes.</summary>
internal sealed record ServerCredentials(
    string ServerId,
    string? TokenHash,
    string? PreviousTokenHash,
    DateTimeOffset? PreviousExpiresAt,
    string? PendingTokenSealed,
    int NextHeartbeatSeconds,
    string? TargetAgentVersion,
    string? UpdateUrl);
