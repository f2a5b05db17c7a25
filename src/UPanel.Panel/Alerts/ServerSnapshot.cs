using UPanel.Contracts;

namespace UPanel.Panel.Alerts;

/// <summary>What the panel knows about a server at one evaluation: its interval, its last heartbeat and that heartbeat's figures.</summary>
internal sealed record ServerSnapshot
{
    public required string ServerId { get; init; }

    public required TimeSpan Interval { get; init; }

    /// <summary>The CPU cores the agent registered with (the load rule's scale); null turns the load rule off.</summary>
    public long? CpuCores { get; init; }

    /// <summary>When the panel received the last heartbeat; null before the first.</summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    public HostMetrics? Metrics { get; init; }

    /// <summary>The version the agent last reported (else the one it registered with).</summary>
    public string? AgentVersion { get; init; }

    /// <summary>The version an admin set for this server; null: none, the agent-behind rule has nothing to compare.</summary>
    public string? TargetAgentVersion { get; init; }

    /// <summary>The last heartbeat's <c>clock_skew_seconds</c>: positive when the agent's clock is behind the panel's.</summary>
    public int? ClockSkewSeconds { get; init; }

    /// <summary>Heartbeats naming this server refused for their token within <see cref="AlertRules.TokenFailuresWindow"/>.</summary>
    public IReadOnlyList<DateTimeOffset> TokenFailures { get; init; } = [];

    /// <summary>The root filesystem over the forecast window; none (the default) turns the forecast off.</summary>
    public DiskTrend DiskTrend { get; init; }

    /// <summary>Null when the agent could not ask Docker: the container rules then keep their state.</summary>
    public IReadOnlyList<ContainerInfo>? Containers { get; init; }
}
