using UPanel.Contracts;

namespace UPanel.Panel.Storage;

/// <summary>A validated heartbeat ready to store.</summary>
internal sealed record HeartbeatIngest
{
    public required string ServerId { get; init; }
    public string? HeartbeatId { get; init; }
    public long? Seq { get; init; }
    public required DateTimeOffset SampleAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The body had no timestamp: <see cref="SampleAt"/> is the time of receipt.</summary>
    public bool TimestampFromReceipt { get; init; }
    /// <summary>Null when the heartbeat did not say (the seed's manual curl).</summary>
    public string? AgentVersion { get; init; }
    public required HostMetrics Metrics { get; init; }
    public int? ContainerCount { get; init; }
    public ContainerCounts ContainerCounts { get; init; }
    /// <summary>
    /// The containers, null when Docker was not reachable. Kept in history (compressed, <see cref="ContainerHistory"/>)
    /// only when their state differs from the one in effect, so they are compressed only then.
    /// </summary>
    public IReadOnlyList<ContainerInfo>? Containers { get; init; }
    /// <summary><see cref="ContainerHistory.Digest"/> of the containers; null when Docker was not reachable.</summary>
    public long? ContainersDigest { get; init; }
    /// <summary>
    /// What <c>latest_heartbeat</c> stores, as UTF-8: the body itself when normalizing changed nothing. SQLite stores these
    /// bytes as its text without a UTF-16 string in between (docs/decisions/ingest-throughput.md, eighth pass).
    /// </summary>
    public required byte[] HeartbeatJson { get; init; }

    /// <summary>The request body's size, charged to the server's byte quota.</summary>
    public required long Bytes { get; init; }

    public required HeartbeatQuota Quota { get; init; }

    /// <summary>When set, the agent authenticated with its new token: the old one stops working now.</summary>
    public string? PromoteTokenHash { get; init; }
}
