namespace UPanel.Panel.Storage;

/// <summary>Null ServerId: the install token is unknown, expired, used by another machine, or its server was revoked.</summary>
internal sealed record RegistrationResult(string? ServerId, bool Repeated, int NextHeartbeatSeconds);
