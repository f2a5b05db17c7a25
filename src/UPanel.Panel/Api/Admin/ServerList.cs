namespace UPanel.Panel.Api.Admin;

internal sealed record ServerList(IReadOnlyList<ServerView> Servers);
