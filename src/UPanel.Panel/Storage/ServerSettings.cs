namespace UPanel.Panel.Storage;

/// <summary>Admin-set per-server settings; a null member is left as it is, an empty string clears it.</summary>
internal sealed record ServerSettings(int? NextHeartbeatSeconds, string? TargetAgentVersion, string? UpdateUrl);
