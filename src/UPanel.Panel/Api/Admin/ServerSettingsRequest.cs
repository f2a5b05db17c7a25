namespace UPanel.Panel.Api.Admin;

/// <summary>Absent fields stay as they are; an empty string clears target_agent_version or update_url.</summary>
internal sealed record ServerSettingsRequest
{
    public int? NextHeartbeatSeconds { get; init; }
    public string? TargetAgentVersion { get; init; }
    public string? UpdateUrl { get; init; }
}
