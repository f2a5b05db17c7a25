using System.Reflection;

namespace UPanel.Agent;

/// <summary>What the agent says about itself: version in heartbeats, registration, /health and <c>version</c>.</summary>
internal static class AgentInfo
{
    public static readonly string Version =
        typeof(AgentInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
