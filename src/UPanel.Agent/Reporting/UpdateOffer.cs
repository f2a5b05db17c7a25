using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// An update the panel offered in a heartbeat answer (<c>update_available</c>, <c>update_url</c>). The URL comes from the
/// network and goes into logs and /health: kept only when it is visible ASCII of a sane length, like a token.
/// </summary>
internal sealed record UpdateOffer(string? Url)
{
    public const int MaxUrlLength = 512;

    /// <summary>The offer in <paramref name="response"/>; null when it offers none.</summary>
    public static UpdateOffer? Of(HeartbeatResponse response) =>
        response.UpdateAvailable == true ? new UpdateOffer(IsShowable(response.UpdateUrl) ? response.UpdateUrl : null) : null;

    private static bool IsShowable(string? url) =>
        url is { Length: > 0 and <= MaxUrlLength } && url.All(c => c is > ' ' and <= '~');
}
