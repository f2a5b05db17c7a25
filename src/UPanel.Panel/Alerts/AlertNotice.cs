namespace UPanel.Panel.Alerts;

/// <summary>A firing alert was sent <see cref="Sent"/> times (the first and its repeats), last at <see cref="LastSentAt"/>.</summary>
internal sealed record AlertNotice(DateTimeOffset LastSentAt, int Sent);
