namespace UPanel.Panel.Storage;

/// <summary>
/// What the alert evaluation reads for a server, in one statement: nine columns of the server's row rather than
/// <see cref="ServerRecord"/>'s 34 (each as <see cref="ServerRecord"/> has it; docs/decisions/ingest-throughput.md, ninth
/// pass), and beside them what it read in four statements of their own before the tenth pass: the stored alert state's
/// version and JSON, the stored rule settings, and whether there is any token failure or mute to read. Read from the
/// database at every evaluation, nothing kept: a change made through another panel on the same database is seen by the
/// next evaluation.
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

    /// <summary>The stored alert state's version; 0 when none is stored yet.</summary>
    public long StateVersion { get; init; }

    /// <summary>The stored alert state's JSON; null when none is stored or its version is the one the caller knows.</summary>
    public string? StateJson { get; init; }

    /// <summary>The panel-wide rule settings as stored (<c>alert_rules</c>, scope <c>*</c>); null when none are.</summary>
    public string? PanelRules { get; init; }

    /// <summary>The server's own rule settings as stored; null when none are.</summary>
    public string? ServerRules { get; init; }

    /// <summary>The latest refused heartbeat naming the server (<c>token_failures</c>); null when there is none.</summary>
    public DateTimeOffset? LatestTokenFailureAt { get; init; }

    /// <summary>When the server's last-ending mute ends (<c>alert_mutes</c>, ended or not); null when it has none.</summary>
    public DateTimeOffset? LatestMuteUntil { get; init; }
}
