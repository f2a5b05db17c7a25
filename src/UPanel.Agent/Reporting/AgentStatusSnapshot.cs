namespace UPanel.Agent.Reporting;

/// <summary>A consistent copy of <see cref="AgentStatus"/> at one moment.</summary>
internal readonly record struct AgentStatusSnapshot(
    DateTimeOffset StartedAt,
    TimeSpan Uptime,
    DateTimeOffset? LastHeartbeatAt,
    int QueueLength,
    long DroppedCount,
    PanelState Panel,
    bool? DockerAvailable,
    UpdateOffer? Update = null,
    string? QueueProblem = null,
    int? ClockSkewSeconds = null);
