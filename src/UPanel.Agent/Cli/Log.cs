using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Cli;

/// <summary>Log events of the command line (ids 1400–1499).</summary>
internal static partial class Log
{
    [LoggerMessage(1400, LogLevel.Information, "upanel-agent {Version} starting: {Options}")]
    public static partial void Starting(ILogger logger, string version, string options);

    [LoggerMessage(1401, LogLevel.Information, "Stopping on signal")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1402, LogLevel.Error, "Cannot save the rotated agent token to {Path} ({Reason}): it is used in memory, but after a restart the agent falls back to the configured token, which the panel stops accepting. Fix: make STATE_DIR ({StateDir}) writable for the agent's user (a volume in Docker)")]
    public static partial void RotatedTokenNotSaved(ILogger logger, string path, string reason, string stateDir);

    [LoggerMessage(1403, LogLevel.Information, "The configured agent token changed (env file or AGENT_TOKEN_FILE): using the new one")]
    public static partial void ConfiguredTokenChanged(ILogger logger);
}
