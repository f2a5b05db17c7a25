using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Storage;

/// <summary>Storage log messages: event ids 2100–2199.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Storage: {Engine} migration {Name} applied")]
    public static partial void MigrationApplied(ILogger logger, string engine, string name);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Storage: using {Engine} ({Location})")]
    public static partial void StoreOpened(ILogger logger, string engine, string location);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Storage: the data directory {Path} is open to others (mode {Mode}); its files are 0600, but `chmod 700 {Path}` keeps them from being listed")]
    public static partial void DataDirectoryOpen(ILogger logger, string path, string mode);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Retention: pruned {Count} heartbeats sampled before {Cutoff:O}")]
    public static partial void Pruned(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Retention: rolled {Count} heartbeats older than 25 hours up into 4-minute rollups")]
    public static partial void RolledUp(ILogger logger, int count);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Error, Message = "Retention: pruning failed; will retry next interval")]
    public static partial void PruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Information, Message = "Retention: another panel on this database is rolling up or pruning; skipped this run")]
    public static partial void PruneSkipped(ILogger logger);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Information, Message = "Retention: rebuilt index {Index} (REINDEX CONCURRENTLY): {BytesBefore} bytes, {Ratio:0.00} times the {Estimate} its rows need, now {BytesAfter} bytes; took {Milliseconds} ms")]
    public static partial void IndexRebuilt(ILogger logger, string index, long bytesBefore, double ratio, long estimate, long bytesAfter, long milliseconds);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Warning, Message = "Retention: dropped index {Index}, left invalid by an interrupted REINDEX CONCURRENTLY")]
    public static partial void IndexLeftoverDropped(ILogger logger, string index);

    [LoggerMessage(EventId = 2116, Level = LogLevel.Debug, Message = "Retention: index {Index} is {Bytes} bytes against an estimated {Estimate} rebuilt; left as it is")]
    public static partial void IndexLeft(ILogger logger, string index, long bytes, long? estimate);

    [LoggerMessage(EventId = 2117, Level = LogLevel.Error, Message = "Retention: checking or rebuilding the history indexes failed; will retry next interval")]
    public static partial void IndexRebuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2130, Level = LogLevel.Debug, Message = "Checkpoint: {Frames} frames in the log, {Passes} passes; the last saw {Log} and copied {Copied}")]
    public static partial void Checkpointed(ILogger logger, int frames, int passes, int log, int copied);

    [LoggerMessage(EventId = 2131, Level = LogLevel.Warning, Message = "Checkpoint: copying the write-ahead log failed; SQLite's own checkpoint goes on meanwhile, retrying")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2132, Level = LogLevel.Information, Message = "Checkpoint: copying the write-ahead log works again")]
    public static partial void CheckpointsResumed(ILogger logger);

    [LoggerMessage(EventId = 2140, Level = LogLevel.Information, Message = "Credentials: listening for changes to servers' tokens and settings on PostgreSQL; agent tokens are checked from memory")]
    public static partial void CredentialsListening(ILogger logger);

    [LoggerMessage(EventId = 2141, Level = LogLevel.Warning, Message = "Credentials: the listening connection to PostgreSQL failed; every heartbeat reads its token from the database until it listens again (retrying)")]
    public static partial void CredentialsNotListening(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Error, Message = "Cookie keys: {Count} key(s) in the database cannot be opened with this panel's token key; sessions signed with them are refused here. Every panel on one database needs the same UPANEL_TOKEN_KEY")]
    public static partial void CookieKeysUnreadable(ILogger logger, int count);
}
