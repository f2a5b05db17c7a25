namespace UPanel.Panel.Alerts;

/// <summary>An alert that fired (<see cref="Firing"/>) or resolved; <see cref="Muted"/>: a mute held it back when it was recorded.</summary>
internal sealed record AlertEvent(long Id, string ServerId, string Hostname, string Kind, string? Container, bool Firing, string Summary, DateTimeOffset At, bool Muted);
