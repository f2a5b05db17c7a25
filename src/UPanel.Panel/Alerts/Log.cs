using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Alerts;

/// <summary>Alert log messages: event ids 2300–2399. Channel secrets never appear; URLs are logged without their query.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Alert {State}: server {ServerId} {Kind} {Container}: {Summary}")]
    public static partial void Transition(ILogger logger, string state, string serverId, string kind, string? container, string summary);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "Evaluating the alerts of server {ServerId} failed")]
    public static partial void EvaluationFailed(ILogger logger, string serverId, Exception exception);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Debug, Message = "Alerts of server {ServerId} were evaluated by another panel first; evaluating again from its state")]
    public static partial void EvaluationRaced(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Information, Message = "Notification of alert {EventId} delivered to {Kind} channel {ChannelId} (attempt {Attempt})")]
    public static partial void Delivered(ILogger logger, long eventId, string kind, string channelId, int attempt);

    [LoggerMessage(EventId = 2304, Level = LogLevel.Warning, Message = "Notification of alert {EventId} to {Kind} channel {ChannelId} failed (attempt {Attempt}: {Error}); next attempt in {DelaySeconds} s")]
    public static partial void DeliveryFailed(ILogger logger, long eventId, string kind, string channelId, int attempt, string error, long delaySeconds);

    [LoggerMessage(EventId = 2305, Level = LogLevel.Error, Message = "Sending notifications failed")]
    public static partial void SenderFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2306, Level = LogLevel.Error, Message = "Notification of alert {EventId} to {Kind} channel {ChannelId} given up after {Attempt} attempts ({Error})")]
    public static partial void GaveUp(ILogger logger, long eventId, string kind, string channelId, int attempt, string error);

    [LoggerMessage(EventId = 2307, Level = LogLevel.Warning, Message = "A heartbeat naming server {ServerId} was refused for its token (logged at most once a minute per server)")]
    public static partial void TokenFailure(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2308, Level = LogLevel.Error, Message = "Recording a refused heartbeat's server failed")]
    public static partial void TokenFailureNotRecorded(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2309, Level = LogLevel.Error, Message = "Listing the servers for the alert sweep failed; the sweep is skipped until the next one")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
