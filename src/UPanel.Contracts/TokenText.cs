using System.Diagnostics.CodeAnalysis;

namespace UPanel.Contracts;

/// <summary>
/// The one check for a bearer token (agent or install token), wherever it comes from: configuration, a register or
/// heartbeat response, the rotated-token file, an Authorization header. A token goes into a header and a file line:
/// visible ASCII only (no space, control or format character could split either), and bounded.
/// </summary>
public static class TokenText
{
    /// <summary>The panel issues 64 characters; anything past this is not a token it issued.</summary>
    public const int MaxLength = 256;

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
