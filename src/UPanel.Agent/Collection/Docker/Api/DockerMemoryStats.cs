using System.Text.Json.Serialization;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerMemoryStats
{
    /// <summary>memory.usage_in_bytes (v1) or memory.current (v2).</summary>
    [JsonPropertyName("usage")]
    public ulong Usage { get; init; }

    /// <summary>memory.stat as key/value: <c>total_inactive_file</c> on v1, <c>inactive_file</c> on v2.</summary>
    [JsonPropertyName("stats")]
    public Dictionary<string, ulong>? Stats { get; init; }
}
