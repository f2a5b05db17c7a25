namespace UPanel.Panel.Api.Admin;

/// <summary>The answer to a test notification: whether the channel took it, and if not why (<c>HTTP 500</c>, a connection error, no answer).</summary>
internal sealed record ChannelTestResult(bool Delivered, string? Error);
