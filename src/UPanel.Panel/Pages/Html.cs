using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace UPanel.Panel.Pages;

/// <summary>The pages' HTML: one layout, every value encoded, every form with its anti-forgery field.</summary>
internal static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static IResult Page(HttpContext context, string title, string body, bool signedIn = true, int status = StatusCodes.Status200OK)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(E(title)).Append(" · UPanel</title>")
            .Append("<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/assets/uPlot.min.css\"><link rel=\"stylesheet\" href=\"/assets/panel.css\"></head><body>")
            .Append("<header><a class=\"brand\" href=\"/\">UPanel</a>");
        if (signedIn)
        {
            html.Append("<nav><a href=\"/\">Servers</a><a href=\"/alerts\">Alerts</a><a href=\"/servers/new\">Add a server</a>")
                .Append("<form method=\"post\" action=\"/signout\" class=\"inline\">").Append(Antiforgery(context))
                .Append("<button type=\"submit\" class=\"link\" id=\"signout\">Sign out</button></form></nav>");
        }

        html.Append("</header><main>").Append(body).Append("</main>")
            .Append("<script src=\"/assets/uPlot.iife.min.js\"></script><script src=\"/assets/panel.js\"></script></body></html>");
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    public static string Antiforgery(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    public static string Ago(DateTimeOffset? at, DateTimeOffset now) => at is { } t ? Ago(now - t) : "never";

    public static string Ago(TimeSpan span)
    {
        var seconds = Math.Max(0, (long)span.TotalSeconds);
        return seconds switch
        {
            < 60 => $"{seconds} s ago",
            < 3600 => $"{seconds / 60} min ago",
            < 86400 => $"{seconds / 3600} h {seconds % 3600 / 60} min ago",
            _ => $"{seconds / 86400} d {seconds % 86400 / 3600} h ago",
        };
    }

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Duration(long? seconds) => seconds switch
    {
        null => "—",
        < 60 => $"{seconds} s",
        < 3600 => $"{seconds / 60} min",
        < 86400 => $"{seconds / 3600} h {seconds % 3600 / 60} min",
        _ => $"{seconds / 86400} d {seconds % 86400 / 3600} h",
    };
}
