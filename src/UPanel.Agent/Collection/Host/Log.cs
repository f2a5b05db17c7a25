using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Collection.Host;

/// <summary>Host collection log events (ids 1000–1099, never reused).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning,
        Message = "Host {Source} cannot be read, its heartbeat fields stay empty until it can: {Reason}")]
    public static partial void HostSourceFailing(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Host {Source} is readable again")]
    public static partial void HostSourceRecovered(ILogger logger, string source);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Some host network interfaces are not in {Directory} (HOST_SYS is not the host's sysfs), so they are judged virtual or not by name; mount the host's /sys (e.g. /sys:/host/sys:ro)")]
    public static partial void VirtualInterfacesGuessedByName(ILogger logger, string directory);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Every host network interface is in {Directory} again: virtual ones are recognised by sysfs")]
    public static partial void VirtualInterfacesFromSysfs(ILogger logger, string directory);
}
