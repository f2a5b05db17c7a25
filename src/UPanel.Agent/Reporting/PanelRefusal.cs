using System.Net;
using System.Text;
using System.Text.Json;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// What a panel said when it did not take a request, in words fit for one log line: our panel's
/// <c>{"error":…,"field":…}</c>, a Laravel panel's <c>{"message":…,"errors":{…}}</c>, an RFC 9457 problem's
/// <c>detail</c>/<c>title</c>, or the title of an HTML error page (never the page itself). Panels written from the seed
/// alone answer in all of these ways (docs/compatibility.md).
/// </summary>
internal static class PanelRefusal
{
    private const int MaxLength = 200;

    /// <summary>The panel's reason, or null when the body says nothing usable; never holds <paramref name="secret"/>.</summary>
    public static string? Describe(ReadOnlySpan<byte> body, string? contentType, string secret)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        string? text;
        if (LooksLikeHtml(body, contentType))
        {
            text = HtmlTitle(Encoding.UTF8.GetString(body[..Math.Min(body.Length, 16 * 1024)])) is { } title
                ? $"an HTML page titled \"{title}\""
                : "an HTML page";
        }
        else
        {
            try
            {
                text = ErrorResponseJson.Read(body.ToArray()) is { } error ? error.Field is null ? error.Error : $"{error.Error} (field {error.Field})" : null;
            }
            catch (JsonException)
            {
                // JSON without a message says nothing in words; plain text is quoted, shortened.
                text = body.TrimStart(" \t\r\n"u8) is [(byte)'{' or (byte)'[', ..] ? null : Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxLength)]);
            }
        }

        return Sanitize(text, secret);
    }

    /// <summary>
    /// A 400 that says the request was plain HTTP to a port that speaks https, as nginx ("The plain HTTP request was sent
    /// to HTTPS port") and Go servers such as Caddy and Traefik ("Client sent an HTTP request to an HTTPS server") answer
    /// an http:// URL aimed at their TLS port. <paramref name="said"/>: <see cref="Describe"/>'s text. Only those answers
    /// as a whole (nginx's page title, Go's plain text), not a panel's own 400 that mentions the words (a value of the
    /// heartbeat it echoes): that heartbeat is dropped as invalid, not kept and sent again for ever.
    /// </summary>
    public static bool SaysHttpsPort(HttpStatusCode status, string? said) =>
        status == HttpStatusCode.BadRequest && said is not null
        && (said.Equals("an HTML page titled \"400 The plain HTTP request was sent to HTTPS port\"", StringComparison.OrdinalIgnoreCase)
            || said.StartsWith("Client sent an HTTP request to an HTTPS server", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A redirect to a sign-in page: how a Laravel panel (its <c>auth</c> middleware, when the route is not under
    /// <c>auth:sanctum</c> or the request does not ask for JSON) answers a token it does not accept.
    /// </summary>
    public static bool IsLoginRedirect(HttpStatusCode status, string? location) =>
        (int)status is >= 300 and <= 399 && location is not null && PathOf(location) is var path
        && (path.EndsWith("/login", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/signin", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith("/sign-in", StringComparison.OrdinalIgnoreCase));

    /// <summary>A Location for a log line: scheme, host and path, no query or user info.</summary>
    public static string Location(string? location)
    {
        if (location is null)
        {
            return "nowhere (no Location)";
        }

        return Uri.TryCreate(location, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"
            ? Sanitize(absolute.GetLeftPart(UriPartial.Path), string.Empty) ?? "?"
            : Sanitize(PathOf(location), string.Empty) ?? "?";
    }

    private static string PathOf(string location)
    {
        var path = Uri.TryCreate(location, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : location;
        var end = path.IndexOfAny(['?', '#']);
        return (end >= 0 ? path[..end] : path).TrimEnd('/');
    }

    private static bool LooksLikeHtml(ReadOnlySpan<byte> body, string? contentType)
    {
        if (contentType is not null && contentType.Contains("html", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var start = body.TrimStart(" \t\r\n"u8);
        return start.StartsWith("<"u8);
    }

    /// <summary>The text of the page's &lt;title&gt;, entities for the usual characters decoded; null when there is none.</summary>
    private static string? HtmlTitle(string html)
    {
        var open = html.IndexOf("<title", StringComparison.OrdinalIgnoreCase);
        var start = open < 0 ? -1 : html.IndexOf('>', open);
        var end = start < 0 ? -1 : html.IndexOf("</title", start, StringComparison.OrdinalIgnoreCase);
        if (end < 0)
        {
            return null;
        }

        // The few entities an error page's title holds; WebUtility.HtmlDecode would link its whole entity table in.
        var title = html[(start + 1)..end].Replace("&quot;", "\"", StringComparison.Ordinal).Replace("&#39;", "'", StringComparison.Ordinal)
            .Replace("&#039;", "'", StringComparison.Ordinal).Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal)
            .Replace("&amp;", "&", StringComparison.Ordinal);
        var words = title.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? null : string.Join(' ', words);
    }

    /// <summary>One line, short, and never the secret even if the panel echoed it.</summary>
    private static string? Sanitize(string? text, string secret)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (secret.Length > 0)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaxLength + 1));
        foreach (var c in text)
        {
            if (builder.Length >= MaxLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(WireText.IsUnsafe(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
