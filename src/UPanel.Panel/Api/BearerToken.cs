using Microsoft.AspNetCore.Http;
using UPanel.Contracts;

namespace UPanel.Panel.Api;

internal static class BearerToken
{
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
        // The agent's check: longer values are not tokens the panel issued, and refusing them early keeps hashing cheap.
        return TokenText.IsValid(token) ? token : null;
    }
}
