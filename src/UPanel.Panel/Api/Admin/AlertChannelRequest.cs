namespace UPanel.Panel.Api.Admin;

/// <summary>A new notification channel: <c>webhook</c> (signed JSON; a secret is made when none is given), <c>slack</c>, <c>discord</c> or <c>ntfy</c>.</summary>
internal sealed record AlertChannelRequest
{
    public string? Kind { get; init; }
    public string? Url { get; init; }
    public string? Secret { get; init; }
}
