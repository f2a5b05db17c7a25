using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Api;

/// <summary>API log messages: event ids 2000–2099. Never a token, only server ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Register: server {ServerId} created for host {Hostname}")]
    public static partial void ServerRegistered(ILogger logger, string serverId, string hostname);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Register: server {ServerId} registered again from the same machine; a fresh agent token replaces the old one")]
    public static partial void ServerReRegistered(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Register: install token rejected (unknown, expired, used by another machine, or its server revoked)")]
    public static partial void RegisterRejected(ILogger logger);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Heartbeat: server {ServerId} seq {Seq} stored ({Outcome})")]
    public static partial void HeartbeatStored(ILogger logger, string serverId, long? seq, string outcome);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Heartbeat: server {ServerId} rejected with {Status}: {Error}")]
    public static partial void HeartbeatRejected(ILogger logger, string serverId, int status, string error);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Heartbeat: server {ServerId} used its new token; the previous one no longer works")]
    public static partial void TokenPromoted(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Heartbeat: the rotated token of server {ServerId} cannot be unsealed (token key changed?); rotate again")]
    public static partial void RotatedTokenUnreadable(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "Heartbeat: server {ServerId} is over its heartbeat or stored-bytes limit; answered 429, retry after {Seconds} s (a real agent never gets here: a stolen token?)")]
    public static partial void HeartbeatRateLimited(ILogger logger, string serverId, long seconds);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Admin: install token created, expires {ExpiresAt:O}")]
    public static partial void InstallTokenCreated(ILogger logger, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Admin: token of server {ServerId} rotated; the old one works until {Until:O} or the new one's first use")]
    public static partial void TokenRotated(ILogger logger, string serverId, DateTimeOffset until);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Admin: server {ServerId} revoked")]
    public static partial void ServerRevoked(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "Admin: settings of server {ServerId} changed")]
    public static partial void SettingsChanged(ILogger logger, string serverId);

    [LoggerMessage(EventId = 2090, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}; answered 500")]
    public static partial void Unhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 2091, Level = LogLevel.Warning, Message = "Database unavailable in {Method} {Path}; answered 503")]
    public static partial void DatabaseUnavailable(ILogger logger, Exception exception, string method, string path);
}
