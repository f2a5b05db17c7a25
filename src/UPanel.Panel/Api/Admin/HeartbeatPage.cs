namespace UPanel.Panel.Api.Admin;

/// <summary>Newest first; pass <c>next_before</c> as <c>?before=</c> for the next page.</summary>
internal sealed record HeartbeatPage(string ServerId, IReadOnlyList<HeartbeatView> Heartbeats, long? NextBefore);
