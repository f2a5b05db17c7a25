using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerMemoryStats
{
    /// <summary>memory.usage_in_bytes (v1) or memory.current (v2).</summary>
    public ulong Usage { get; init; }

    /// <summary>memory.stat as key/value: <c>total_inactive_file</c> on v1, <c>inactive_file</c> on v2.</summary>
    public Dictionary<string, ulong>? Stats { get; init; }

    public static DockerMemoryStats From(JsonFields fields) => new()
    {
        Usage = fields.UInt64("usage"u8) ?? 0,
        Stats = fields.UInt64Map("stats"u8),
    };
}
