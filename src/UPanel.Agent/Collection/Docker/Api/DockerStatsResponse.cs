using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>
/// The part of <c>GET /containers/{id}/stats?stream=false&amp;one-shot=true</c> the agent reads (cgroup v1 and v2 engines
/// both fill these; <c>precpu_stats</c> is empty in one-shot mode, so deltas are the agent's own).
/// </summary>
internal sealed record DockerStatsResponse
{
    /// <summary>When the engine read the container's cgroup for this sample (Docker and Podman fill it).</summary>
    public DateTimeOffset? ReadAt { get; init; }

    public DockerCpuStats? CpuStats { get; init; }

    public DockerMemoryStats? MemoryStats { get; init; }

    /// <summary>Throws <see cref="System.Text.Json.JsonException"/> for malformed JSON or a member of the wrong type.</summary>
    public static DockerStatsResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "container stats", ignoreCase: true);
        return new DockerStatsResponse
        {
            ReadAt = fields.Timestamp("read"u8),
            CpuStats = fields.Object("cpu_stats"u8) is { } cpu ? DockerCpuStats.From(cpu) : null,
            MemoryStats = fields.Object("memory_stats"u8) is { } memory ? DockerMemoryStats.From(memory) : null,
        };
    }
}
