namespace UPanel.Panel.Storage;

/// <summary>
/// What the alert evaluation reads of a server's row, nine of its columns rather than <see cref="ServerRecord"/>'s 34
/// (docs/decisions/ingest-throughput.md, ninth pass); each as <see cref="ServerRecord"/> has it.
/// </summary>
internal sealed record EvaluatedServer
{
    public required long CpuCores { get; init; }
    public required string RegisteredAgentVersion { get; init; }
    public required int NextHeartbeatSeconds { get; init; }
    public string? TargetAgentVersion { get; init; }
    public DateTimeOffset? LastSeenAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public DateTimeOffset? LatestSampleAt { get; init; }
    public long? LatestSeq { get; init; }
    public string? LatestAgentVersion { get; init; }
}
