namespace UPanel.Panel.Alerts;

/// <summary>A mute as <c>alert_mutes</c> holds it, with its server's hostname.</summary>
internal sealed record StoredMute(string Id, string Hostname, AlertMute Mute, DateTimeOffset CreatedAt);
