namespace UPanel.Panel.Api;

/// <summary>
/// When the panel tells an agent to update: an admin set a target version for its server and the agent reports another
/// one. A heartbeat that does not say its version (the seed's manual curl) is not told to update: nothing says it is
/// behind. The heartbeat answer (update_available) and the server list (update_available) use this one rule.
/// </summary>
internal static class AgentUpdate
{
    public static bool IsAvailable(string? targetVersion, string? agentVersion) =>
        targetVersion is { } target && agentVersion is { } version && !string.Equals(target, version, StringComparison.Ordinal);
}
