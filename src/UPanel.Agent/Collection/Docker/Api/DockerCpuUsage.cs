using System.Text.Json.Serialization;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerCpuUsage
{
    /// <summary>Container CPU time in nanoseconds (cgroup v2 engines convert usage_usec).</summary>
    [JsonPropertyName("total_usage")]
    public ulong TotalUsage { get; init; }
}
