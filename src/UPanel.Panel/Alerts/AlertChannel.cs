namespace UPanel.Panel.Alerts;

/// <summary>Where notifications go: <c>webhook</c> (signed JSON), <c>slack</c>, <c>discord</c> or <c>ntfy</c>.</summary>
internal sealed record AlertChannel(string Id, string Kind, string Url, string? Secret, DateTimeOffset CreatedAt);
