using System.Net;
using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Health;

/// <summary>Health endpoint log lines. Event ids 1300–1399, stable, never reused.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Health endpoint listening on http://{Endpoint}/health")]
    public static partial void Listening(ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Health connection refused: {Active} connections from its side (loopback or remote) already open")]
    public static partial void ConnectionShed(ILogger logger, int active);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "Health request ended early ({Reason})")]
    public static partial void RequestFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Health endpoint accept failed ({Reason}); still listening")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Debug, Message = "Health endpoint stopped")]
    public static partial void Stopped(ILogger logger);
}
