using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Cli;

/// <summary>Log events of the command line (ids 1400–1499).</summary>
internal static partial class Log
{
    [LoggerMessage(1400, LogLevel.Information, "upanel-agent {Version} starting: {Options}")]
    public static partial void Starting(ILogger logger, string version, string options);

    [LoggerMessage(1401, LogLevel.Information, "Stopping on signal")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1404, LogLevel.Warning, "{Warning}")]
    public static partial void ConfigWarning(ILogger logger, string warning);

    // 1402 and 1403 moved with the token to UPanel.Agent.Reporting.AgentToken (same ids).
}
