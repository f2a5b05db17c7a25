namespace UPanel.Panel.Storage;

internal enum IngestOutcome
{
    /// <summary>Stored and now the server's latest state.</summary>
    StoredAsLatest,

    /// <summary>Stored in history only: a newer sample is already the latest (a late, queued heartbeat).</summary>
    StoredAsHistory,

    /// <summary>This heartbeat_id was already stored: acknowledged, not stored again.</summary>
    Duplicate,

    /// <summary>Beyond the server's rate or byte quota: not stored (see <see cref="IngestResult.RetryAfter"/>).</summary>
    RateLimited,

    /// <summary>The server vanished between authentication and ingest.</summary>
    UnknownServer,
}
