namespace UPanel.Panel.Alerts;

/// <summary>An alert that started firing (<see cref="Firing"/>) or resolved at <see cref="At"/>, with what a notification says.</summary>
internal sealed record AlertTransition(AlertKey Key, bool Firing, DateTimeOffset At, string Summary);
