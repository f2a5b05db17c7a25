using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Api;

/// <summary>
/// <c>GET /install.sh</c>: the repository's deploy/install.sh (embedded) with this panel's URL and agent image filled in,
/// for <c>curl -fsSL https://PANEL/install.sh | sudo sh -s -- --token INSTALL_TOKEN</c>. No authentication: the script
/// holds no secret (the install token is the user's to pass). Not an API, so not in the OpenAPI documents.
/// </summary>
internal static class InstallScriptEndpoint
{
    private const string PanelUrlLine = "panel_url='' # @panel_url@: the panel fills this in";
    private const string ImageLinePrefix = "default_image='";
    private const string ImageMarker = "' # @image@: the panel fills this in";

    private static readonly string Template = LoadTemplate();

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/install.sh", (RequestDelegate)ServeAsync).ExcludeFromDescription();

    private static Task ServeAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<PanelOptions>();
        var url = PanelUrl.Of(options, context.Request);
        if (!IsShellLiteral(url) || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http"))
        {
            // A Host header no URL can carry: the panel cannot tell agents where it is.
            return ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest,
                "this request's host cannot be the panel's URL in the install script: start the panel with --public-url https://PANEL");
        }

        var script = Fill(Template, url, $"{options.AgentImage}:latest");
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(script, Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>The script with the two marked lines set; each value goes between single quotes, so it must be <see cref="IsShellLiteral"/>.</summary>
    internal static string Fill(string template, string panelUrl, string image)
    {
        var imageStart = template.IndexOf(ImageLinePrefix, StringComparison.Ordinal);
        var imageEnd = template.IndexOf(ImageMarker, imageStart, StringComparison.Ordinal);
        return string.Concat(
                template.AsSpan(0, imageStart + ImageLinePrefix.Length), IsShellLiteral(image) ? image : "ghcr.io/inte-team/upanel-agent:latest", template.AsSpan(imageEnd))
            .Replace(PanelUrlLine, $"panel_url='{panelUrl}' # @panel_url@: filled in by the panel", StringComparison.Ordinal);
    }

    /// <summary>Only characters a URL or image reference needs, none a shell reads inside single quotes.</summary>
    internal static bool IsShellLiteral(string value) =>
        value.Length is > 0 and <= 512 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-._~:/[]@%+".Contains(c));

    private static string LoadTemplate()
    {
        using var stream = typeof(InstallScriptEndpoint).Assembly.GetManifestResourceStream("install.sh")
            ?? throw new InvalidOperationException("install.sh is not embedded in the panel (UPanel.Panel.csproj)");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        if (!text.Contains(PanelUrlLine, StringComparison.Ordinal) || !text.Contains(ImageMarker, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("deploy/install.sh lost its @panel_url@ or @image@ line: the panel cannot fill it in");
        }

        return text;
    }
}
