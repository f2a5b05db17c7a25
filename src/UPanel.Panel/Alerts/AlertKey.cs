namespace UPanel.Panel.Alerts;

/// <summary>One alert's identity: a server rule has no container; a container rule names the container (names survive re-creation, ids do not).</summary>
internal sealed record AlertKey(string ServerId, AlertKind Kind, string? Container = null);
