using System.Text.Json.Serialization;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerCpuStats
{
    [JsonPropertyName("cpu_usage")]
    public DockerCpuUsage? CpuUsage { get; init; }
}
