using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace UPanel.Panel.Pages;

/// <summary>
/// Post/redirect/get for the pages' forms. A form's handler does its work once and answers 303 to a page; what it has
/// to say (a notice, a token or secret the post made) goes with the redirect in a cookie sealed by data protection,
/// for that page's next GET only, which takes it and clears it. A reload asks the page again: nothing is posted twice
/// and a secret is not shown twice. Nothing is kept in the process: the cookie keys are the ones the session cookie
/// uses (in the database behind several panels), so the GET may land on any panel.
/// </summary>
internal sealed class OneTimeNotice(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "upanel_notice";

    /// <summary>From the redirect to its GET is a moment; a notice not taken by then (the page was never asked) goes.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly IDataProtector _protector = protection.CreateProtector("UPanel.Panel.Pages.OneTimeNotice");

    /// <summary>
    /// Answers 303 to <paramref name="path"/> (with <c>?done=</c><paramref name="done"/> when given: what the page says
    /// once the notice is gone), whose next GET shows <paramref name="html"/>.
    /// </summary>
    public IResult Redirect(HttpContext context, string path, string? done, string? html)
    {
        var location = new PathString(path).ToUriComponent() + (done is null ? "" : "?done=" + Uri.EscapeDataString(done));
        if (html is not null)
        {
            var expires = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            context.Response.Cookies.Append(CookieName, _protector.Protect($"{expires}\n{location}\n{html}"), CookieOptions(context, Lifetime));
        }

        context.Response.Headers.Location = location;
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>The notice for this GET, once: null when there is none for this page, or it was taken already.</summary>
    public string? Take(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            return null;
        }

        string[] parts;
        try
        {
            parts = _protector.Unprotect(cookie).Split('\n', 3);
        }
        catch (CryptographicException)
        {
            Clear(context);
            return null;
        }

        if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || time.GetUtcNow().ToUnixTimeSeconds() >= expires)
        {
            Clear(context);
            return null;
        }

        // Another page's notice (a second tab asked first) is left for that page.
        if (!string.Equals(parts[1], context.Request.GetEncodedPathAndQuery(), StringComparison.Ordinal))
        {
            return null;
        }

        Clear(context);
        return parts[2];
    }

    /// <summary>Signing out leaves no notice behind.</summary>
    public static void Clear(HttpContext context)
    {
        if (context.Request.Cookies.ContainsKey(CookieName))
        {
            context.Response.Cookies.Delete(CookieName, CookieOptions(context, null));
        }
    }

    /// <remarks>Max-Age, not Expires: the browser's clock is not the panel's.</remarks>
    private static CookieOptions CookieOptions(HttpContext context, TimeSpan? maxAge) => new()
    {
        Path = "/",
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        IsEssential = true,
        MaxAge = maxAge,
    };
}
