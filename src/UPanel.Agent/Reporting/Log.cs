using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Reporting;

/// <summary>Reporting's log lines. Event ids 1200–1299, stable, never reused. No line carries a token.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Reporting to {Endpoint} every {IntervalSeconds} s")]
    public static partial void ReporterStarted(ILogger logger, Uri endpoint, int intervalSeconds);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Heartbeat seq {Seq} delivered (HTTP {StatusCode})")]
    public static partial void HeartbeatDelivered(ILogger logger, long? seq, int? statusCode);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Panel unreachable ({Reason}); heartbeats are queued ({QueueLength} waiting)")]
    public static partial void PanelUnreachable(ILogger logger, string? reason, int queueLength);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Panel reachable again after {FailedAttempts} failed attempts; sending {QueueLength} queued heartbeats")]
    public static partial void PanelRecovered(ILogger logger, int failedAttempts, int queueLength);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "Panel rejected heartbeat seq {Seq} ({Reason}); it was dropped and will not be resent")]
    public static partial void HeartbeatRejected(ILogger logger, long? seq, string? reason);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Panel refused the agent token ({Reason}); heartbeats stay queued. Fix: check AGENT_TOKEN / AGENT_TOKEN_FILE or register again")]
    public static partial void PanelUnauthorized(ILogger logger, string? reason);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Debug, Message = "Heartbeat not delivered ({Reason}); next attempt in {DelaySeconds:0.#} s")]
    public static partial void RetryScheduled(ILogger logger, string? reason, double delaySeconds);

    /// <summary>Warning for the first drop of an outage, Debug for the rest: one a minute for hours says nothing new.</summary>
    [LoggerMessage(EventId = 1207, Message = "Heartbeat queue full: dropped the {Dropped} oldest; {DroppedCount} dropped in all")]
    public static partial void HeartbeatDropped(ILogger logger, LogLevel level, int dropped, long droppedCount);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Information, Message = "Panel set the heartbeat interval to {IntervalSeconds} s")]
    public static partial void IntervalChanged(ILogger logger, int intervalSeconds);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Information, Message = "Panel rotated the agent token; the new one is used from now on")]
    public static partial void TokenRotated(ILogger logger);

    // 1210 (a failing rotation handler) is retired: AgentToken saves the token itself and logs 1402.

    [LoggerMessage(EventId = 1211, Level = LogLevel.Error, Message = "Taking a heartbeat sample failed")]
    public static partial void SampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Debug, Message = "Panel answered HTTP {StatusCode} with a body the agent cannot read ({Reason}); counted as delivered")]
    public static partial void ResponseUnreadable(ILogger logger, int statusCode, string reason);

    // Debug: with a rotated and a configured token they take turns once per interval while the panel refuses both.
    [LoggerMessage(EventId = 1213, Level = LogLevel.Debug, Message = "Trying another agent token after the panel refused one")]
    public static partial void TokenReloaded(ILogger logger);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Information, Message = "Reporter stopped with {QueueLength} heartbeats queued")]
    public static partial void ReporterStopped(ILogger logger, int queueLength);

    [LoggerMessage(EventId = 1215, Level = LogLevel.Information, Message = "Panel asked to wait {DelaySeconds:0.#} s (Retry-After); samples keep being queued")]
    public static partial void RetryAfterHonoured(ILogger logger, double delaySeconds);

    [LoggerMessage(EventId = 1216, Level = LogLevel.Error, Message = "Re-reading the agent token failed ({ExceptionType})")]
    public static partial void TokenReloadFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 1218, Level = LogLevel.Warning, Message = "Update available: the panel offers {UpdateUrl} (this agent is {Version}). Upgrade: docker compose pull && docker compose up -d in /opt/upanel-agent, or run the install script again")]
    public static partial void UpdateAvailable(ILogger logger, string version, string updateUrl);

    [LoggerMessage(EventId = 1217, Level = LogLevel.Warning, Message = "Panel sent a rotated agent token that is not a token (empty, over {MaxLength} characters, or not visible ASCII); keeping the current one")]
    public static partial void RotatedTokenRefused(ILogger logger, int maxLength);

    [LoggerMessage(EventId = 1219, Level = LogLevel.Information, Message = "Heartbeat queue in {Directory}: {Count} waiting ({Bytes} bytes), {DroppedCount} dropped so far")]
    public static partial void QueueOpened(ILogger logger, string directory, int count, long bytes, long droppedCount);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Warning, Message = "Heartbeat queue in {Directory}: skipped {CorruptCount} torn or corrupt records (the rest is kept)")]
    public static partial void QueueCorrupt(ILogger logger, int corruptCount, string directory);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Warning, Message = "Heartbeat queue in {Directory}: moved {File} aside, untouched: it is not a queue file this agent can read (another format or a newer agent's)")]
    public static partial void QueueFileSetAside(ILogger logger, string file, string directory);

    [LoggerMessage(EventId = 1222, Level = LogLevel.Error, Message = "Cannot write the heartbeat queue in {Directory} ({Reason}): new heartbeats are kept in memory (at most {MemoryKiB} KiB) and lost on restart until it can be written. Fix: make STATE_DIR writable for the agent's user, with free space (a volume in Docker)")]
    public static partial void QueueNotDurable(ILogger logger, string directory, string reason, long memoryKiB);

    [LoggerMessage(EventId = 1223, Level = LogLevel.Information, Message = "Heartbeat queue in {Directory} is written again; heartbeats kept in memory were moved there")]
    public static partial void QueueDurableAgain(ILogger logger, string directory);

    [LoggerMessage(EventId = 1224, Level = LogLevel.Warning, Message = "This host's clock is {SkewSeconds:0} s off the panel's (positive: the panel is ahead). Heartbeat times and the panel's online status are off by as much. Fix: run time sync on this host (systemd-timesyncd, chrony)")]
    public static partial void ClockSkewed(ILogger logger, double skewSeconds);

    [LoggerMessage(EventId = 1225, Level = LogLevel.Information, Message = "This host's clock agrees with the panel's again ({SkewSeconds:0} s)")]
    public static partial void ClockInSync(ILogger logger, double skewSeconds);

    // 1402 and 1403 keep the ids they had when the run command owned the token.
    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Cannot save the rotated agent token to {Path} ({Reason}): it is used in memory, but after a restart the agent falls back to the configured token, which the panel stops accepting. Fix: make STATE_DIR ({StateDir}) writable for the agent's user (a volume in Docker)")]
    public static partial void RotatedTokenNotSaved(ILogger logger, string path, string reason, string stateDir);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "The configured agent token changed (env file or AGENT_TOKEN_FILE): using the new one")]
    public static partial void ConfiguredTokenChanged(ILogger logger);
}
