using System.Text;
using UPanel.Contracts;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Keeps the token the panel rotated to in STATE_DIR, so a restart does not fall back to the configured token
/// (which the panel stops accepting once the new one is used). The file names the configured token it was rotated
/// from, by a fingerprint: after a re-registration (a different configured token) a stale rotated token is ignored.
/// </summary>
/// <remarks>
/// The fingerprint is FNV-1a, not SHA-256: .NET hashes through OpenSSL, and loading libcrypto into the agent costs
/// ≈ 3.5 MiB of RSS on an http panel. It only has to notice a change; it protects nothing, as the file beside it holds
/// the live token, which is worth more than the configured one the panel stops accepting.
/// </remarks>
internal sealed class RotatedTokenStore(string stateDir)
{
    public const string FileName = "rotated-token";

    private const string BasePrefix = "base-fnv1a64=";
    private const string TokenPrefix = "token=";

    public string FilePath { get; } = Path.Join(stateDir, FileName);

    /// <summary>The rotated token when it descends from <paramref name="configuredToken"/>; else the configured token.</summary>
    public string Resolve(string configuredToken)
    {
        // Usually there is none. Checking first spares a start-up FileNotFoundException: the first exception a process
        // throws pulls the unwinder and much of the binary's exception tables into RSS. The catch still covers races.
        if (!File.Exists(FilePath))
        {
            return configuredToken;
        }

        string text;
        try
        {
            text = File.ReadAllText(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return configuredToken;
        }

        string? baseHash = null, token = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(BasePrefix, StringComparison.Ordinal))
            {
                baseHash = line[BasePrefix.Length..].Trim();
            }
            else if (line.StartsWith(TokenPrefix, StringComparison.Ordinal))
            {
                token = line[TokenPrefix.Length..].Trim();
            }
        }

        return baseHash == Hash(configuredToken) && TokenText.IsValid(token)
            ? token
            : configuredToken;
    }

    /// <summary>Stores <paramref name="rotatedToken"/> (0600, atomically), creating STATE_DIR (0700) when missing.</summary>
    public void Save(string configuredToken, string rotatedToken)
    {
        // A newline would add lines to the file; the caller checks first, this keeps the file format safe whatever it does.
        if (!TokenText.IsValid(rotatedToken))
        {
            throw new ArgumentException($"not a token (visible ASCII, at most {TokenText.MaxLength} characters)", nameof(rotatedToken));
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The agent keeps secrets in files with Unix permissions.");
        }

        PrivateDirectory.Create(stateDir);
        AtomicFile.WriteAllText(FilePath, $"{BasePrefix}{Hash(configuredToken)}\n{TokenPrefix}{rotatedToken}\n", AtomicFile.OwnerReadWrite);
    }

    private static string Hash(string token)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(token))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
