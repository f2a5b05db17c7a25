using System.Diagnostics.CodeAnalysis;

namespace UPanel.Contracts;

/// <summary>
/// The one check for a bearer token (agent or install token), wherever it comes from: configuration, a register or
/// heartbeat response, the rotated-token file, an Authorization header. A token goes into a header and a file line:
/// visible ASCII only (no space, control or format character could split either), and bounded.
/// </summary>
public static class TokenText
{
    /// <summary>
    /// Our panel issues 64 characters; the seed allows "JWT or random token", and a JWT carrying claims runs to a few
    /// KB (Wire/Fixtures/seed-panel holds a 3.5 KB one). Past this, it is no token (issue 16).
    /// </summary>
    public const int MaxLength = 4096;

    public static bool IsValid([NotNullWhen(true)] string? token)
    {
        if (token is not { Length: > 0 and <= MaxLength })
        {
            return false;
        }

        foreach (var c in token)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
