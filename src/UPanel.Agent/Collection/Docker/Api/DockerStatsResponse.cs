using System.Text.Json.Serialization;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>
/// The part of <c>GET /containers/{id}/stats?stream=false&amp;one-shot=true</c> the agent reads (cgroup v1 and v2 engines
/// both fill these; <c>precpu_stats</c> is empty in one-shot mode, so deltas are the agent's own).
/// </summary>
internal sealed record DockerStatsResponse
{
    [JsonPropertyName("cpu_stats")]
    public DockerCpuStats? CpuStats { get; init; }

    [JsonPropertyName("memory_stats")]
    public DockerMemoryStats? MemoryStats { get; init; }
}
