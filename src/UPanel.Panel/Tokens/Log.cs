using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Tokens;

/// <summary>Credential log messages: event ids 2200–2299. Paths only, never a key.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Admin key: from UPANEL_ADMIN_KEY")]
    public static partial void AdminKeyFromEnvironment(ILogger logger);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Admin key: generated at this first start and written to {Path} (mode 0600; it is not shown anywhere else); use it as 'Authorization: Bearer <key>' for /api/admin/*")]
    public static partial void AdminKeyGenerated(ILogger logger, string path);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Admin key: the one generated at first start (its copy, if kept, is {Path}); set UPANEL_ADMIN_KEY to choose one")]
    public static partial void AdminKeyStored(ILogger logger, string path);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "Token key: generated {Path} (mode 0600); it seals rotated agent tokens until they are delivered")]
    public static partial void TokenKeyGenerated(ILogger logger, string path);
}
