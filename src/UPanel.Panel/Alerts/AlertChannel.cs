namespace UPanel.Panel.Alerts;

/// <summary>
/// Where notifications go: <c>webhook</c> (signed JSON), <c>slack</c>, <c>discord</c> or <c>ntfy</c> at
/// <see cref="Url"/>, or <c>email</c> through <see cref="Email"/>'s relay (its <see cref="Url"/> is <c>smtp://host:port</c>).
/// </summary>
internal sealed record AlertChannel(string Id, string Kind, string Url, string? Secret, DateTimeOffset CreatedAt, EmailSettings? Email = null);
