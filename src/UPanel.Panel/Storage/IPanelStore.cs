namespace UPanel.Panel.Storage;

/// <summary>All the panel keeps, behind one interface with a SQLite and a PostgreSQL dialect.</summary>
internal interface IPanelStore : IAsyncDisposable
{
    string Engine { get; }

    Task MigrateAsync(CancellationToken cancellationToken);

    Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken);

    /// <summary>False when the key already exists (another instance set it first).</summary>
    Task<bool> TryAddSettingAsync(string key, string value, CancellationToken cancellationToken);

    Task AddInstallTokenAsync(string tokenHash, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Whether the install token exists and has not expired: checked before the body is read (or inflated).</summary>
    Task<bool> IsInstallTokenLiveAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    Task<RegistrationResult> RegisterAsync(Registration registration, CancellationToken cancellationToken);

    Task<ServerCredentials?> FindByTokenHashAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>
    /// Charges the heartbeat to its server's limits (refused with the wait when beyond them; atomic in the database,
    /// so several panels on one PostgreSQL share the limits) and stores it. On SQLite concurrent heartbeats are
    /// committed together (group commit); the result comes only once the heartbeat's transaction has committed.
    /// </summary>
    Task<IngestResult> IngestAsync(HeartbeatIngest heartbeat, CancellationToken cancellationToken);

    Task<IReadOnlyList<ServerRecord>> ListServersAsync(CancellationToken cancellationToken);

    Task<ServerRecord?> GetServerAsync(string serverId, CancellationToken cancellationToken);

    /// <summary>
    /// One connection for the reads made with it until it is disposed, on SQLite in one read transaction (one snapshot):
    /// the alert evaluation's reads (docs/decisions/ingest-throughput.md, fifth pass). No write may wait on it.
    /// </summary>
    ValueTask<Reads> BeginReadsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// What the alert evaluation reads for a server (<see cref="EvaluatedServer"/>), in one statement on
    /// <paramref name="reads"/>: the state's JSON is left out when its version is <paramref name="knownStateVersion"/>.
    /// Null for no such server.
    /// </summary>
    Task<EvaluatedServer?> GetEvaluatedServerAsync(Reads reads, string serverId, long knownStateVersion, CancellationToken cancellationToken);

    /// <summary>The server's latest heartbeat as it was stored (containers included); null before the first or for no such server.</summary>
    Task<UPanel.Contracts.Heartbeat?> GetLatestHeartbeatAsync(string serverId, CancellationToken cancellationToken);

    /// <summary><see cref="GetLatestHeartbeatAsync(string, CancellationToken)"/> on <paramref name="reads"/>.</summary>
    Task<UPanel.Contracts.Heartbeat?> GetLatestHeartbeatAsync(Reads reads, string serverId, CancellationToken cancellationToken);

    /// <summary>Newest first (by row), rows with id below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<HeartbeatRecord>> GetHeartbeatsAsync(string serverId, long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The root filesystem's figures of a server's raw heartbeats sampled in [<paramref name="from"/>, <paramref name="to"/>)
    /// that report both (used, and a total above 0), summed for the forecast's line with x counted from <paramref name="to"/>:
    /// the last <see cref="HistoryRollup.RawAge"/> only (older ones are rolled up).
    /// </summary>
    Task<Alerts.DiskTrend> GetDiskTrendAsync(string serverId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary><see cref="GetDiskTrendAsync(string, DateTimeOffset, DateTimeOffset, CancellationToken)"/> on <paramref name="reads"/>.</summary>
    Task<Alerts.DiskTrend> GetDiskTrendAsync(Reads reads, string serverId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>
    /// A server's history in [<paramref name="from"/>, <paramref name="to"/>) as the charts read it, oldest first: the
    /// rollups and the raw heartbeats not rolled up yet (a rollup that may hold a sample from the range is included whole).
    /// <paramref name="bucket"/> is the chart's bucket (its buckets start at multiples of it): when it is a whole number
    /// of hours the hourly rollups are read, else the 4-minute ones.
    /// </summary>
    Task<IReadOnlyList<Pages.Charts.HistorySlice>> GetHistoryAsync(
        string serverId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken);

    /// <summary>
    /// Rolls every server's raw heartbeats sampled before <paramref name="before"/> (rounded down to a whole rollup
    /// step) up into rollups (<see cref="HistoryRollup"/>), deleting them in the same transactions; returns how many.
    /// </summary>
    Task<int> RollUpAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="newTokenHash"/> the server's token. The token the agent holds stays valid until
    /// <paramref name="previousExpiresAt"/> or until the new one is first used; <paramref name="sealedToken"/> is
    /// what the next heartbeat response hands out. False when the server does not exist.
    /// </summary>
    Task<bool> RotateTokenAsync(string serverId, string newTokenHash, string? sealedToken, DateTimeOffset now, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken);

    Task<bool> RevokeAsync(string serverId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> UpdateSettingsAsync(string serverId, ServerSettings settings, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes history (heartbeats and rollups) sampled before <paramref name="cutoff"/> and install tokens expired before it, and forgets
    /// previous tokens whose overlap ended before <paramref name="now"/>; returns the heartbeats deleted (raw, and those the
    /// deleted rollups held).
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset now, DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>
    /// Held while this panel runs retention; null when another panel on the same PostgreSQL database is running it now
    /// (an advisory lock). SQLite serves one panel: always granted.
    /// </summary>
    ValueTask<IAsyncDisposable?> TryLockRetentionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Rebuilds the history indexes that have grown well past what their rows need, at most once each per
    /// <see cref="HistoryIndexes.Period"/>, and drops what an interrupted rebuild left; retention calls it while it holds
    /// its lock. PostgreSQL only (docs/decisions/history-index-rebuild.md); SQLite: nothing.
    /// </summary>
    Task<HistoryIndexPass> CompactHistoryIndexesAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
