namespace UPanel.Panel.Api;

/// <summary>
/// When the panel tells an agent to update: an admin set a target version for its server and the agent reports another
/// one. The heartbeat answer (update_available) and the server list (update_available) use this one rule.
/// </summary>
internal static class AgentUpdate
{
    public static bool IsAvailable(string? targetVersion, string? agentVersion) =>
        targetVersion is { } target && !string.Equals(target, agentVersion, StringComparison.Ordinal);
}
