using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Collection.Docker;

/// <summary>Docker collection log lines (event ids 1100–1199, never reused).</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Warning,
        "Docker unavailable at {Endpoint}: {Status}. Heartbeats carry containers: null until it recovers")]
    public static partial void DockerUnavailable(ILogger logger, string endpoint, string status, Exception? exception);

    [LoggerMessage(1101, LogLevel.Information, "Docker engine at {Endpoint} available: API {ApiVersion}, container stats from {StatsSource}")]
    public static partial void DockerAvailable(ILogger logger, string endpoint, string? apiVersion, string statsSource);

    [LoggerMessage(1102, LogLevel.Information,
        "Container cgroup files not visible under HOST_SYS ({SysRoot}); reading stats through the engine API instead (costs engine CPU)")]
    public static partial void CgroupFilesNotVisible(ILogger logger, string sysRoot);

    [LoggerMessage(1103, LogLevel.Debug, "Docker collection: {Count} containers, {Inspected} inspected, {ApiStats} via stats API, {ElapsedMs:F2} ms")]
    public static partial void Collected(ILogger logger, int count, int inspected, int apiStats, double elapsedMs);

    [LoggerMessage(1104, LogLevel.Debug, "Stats of container {Id} unavailable: {Reason}")]
    public static partial void ContainerStatsFailed(ILogger logger, string id, string reason);

    [LoggerMessage(1110, LogLevel.Information, "Docker event stream connected ({Endpoint})")]
    public static partial void EventStreamConnected(ILogger logger, string endpoint);

    [LoggerMessage(1111, LogLevel.Warning, "Docker event stream unavailable: {Reason}; reconnecting with backoff (next in {DelaySeconds:F1} s)")]
    public static partial void EventStreamBroken(ILogger logger, string reason, double delaySeconds);

    [LoggerMessage(1112, LogLevel.Debug, "Docker event {Action} for container {Id}")]
    public static partial void EventReceived(ILogger logger, string action, string id);
}
