namespace UPanel.Panel.Api.Admin;

internal sealed record AlertChannelList(IReadOnlyList<AlertChannelView> Channels);
