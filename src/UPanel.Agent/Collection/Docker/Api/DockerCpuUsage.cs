using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerCpuUsage
{
    /// <summary>Container CPU time in nanoseconds (cgroup v2 engines convert usage_usec).</summary>
    public ulong TotalUsage { get; init; }

    public static DockerCpuUsage From(JsonFields fields) => new() { TotalUsage = fields.UInt64("total_usage"u8) ?? 0 };
}
