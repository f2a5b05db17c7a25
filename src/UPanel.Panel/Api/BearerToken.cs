using Microsoft.AspNetCore.Http;

namespace UPanel.Panel.Api;

internal static class BearerToken
{
    /// <summary>Longer values are not tokens the panel issued; refusing them early keeps hashing cheap.</summary>
    private const int MaxLength = 256;

    public static string? Read(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value)
        {
            return null;
        }

        const string scheme = "Bearer ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[scheme.Length..].Trim();
        return token.Length is > 0 and <= MaxLength ? token : null;
    }
}
