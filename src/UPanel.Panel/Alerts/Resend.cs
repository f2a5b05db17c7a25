namespace UPanel.Panel.Alerts;

/// <summary>
/// An alert firing since an earlier evaluation to send now: its first send when a mute kept it back
/// (<see cref="Repeat"/> 0), or its <see cref="Repeat"/>-th repeat.
/// </summary>
internal sealed record Resend(AlertKey Key, int Repeat);
