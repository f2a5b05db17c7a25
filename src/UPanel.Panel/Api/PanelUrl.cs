using Microsoft.AspNetCore.Http;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Api;

/// <summary>The panel's own URL as agents should use it: <c>--public-url</c>, else the URL this request came to.</summary>
internal static class PanelUrl
{
    public static string Of(PanelOptions options, HttpRequest request) =>
        options.PublicUrl?.TrimEnd('/') ?? $"{request.Scheme}://{request.Host}{request.PathBase}";
}
