using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerCpuStats
{
    public DockerCpuUsage? CpuUsage { get; init; }

    public static DockerCpuStats From(JsonFields fields) => new()
    {
        CpuUsage = fields.Object("cpu_usage"u8) is { } usage ? DockerCpuUsage.From(usage) : null,
    };
}
