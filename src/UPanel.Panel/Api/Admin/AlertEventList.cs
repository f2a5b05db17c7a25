namespace UPanel.Panel.Api.Admin;

/// <summary>Newest first.</summary>
internal sealed record AlertEventList(IReadOnlyList<AlertEventView> Alerts);
