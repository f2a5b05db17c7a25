using System.Security.Cryptography;
using System.Text;

namespace UPanel.Panel.Tokens;

/// <summary>Random tokens and the SHA-256 form in which the panel keeps them.</summary>
internal static class Secrets
{
    public const int TokenLength = 64;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>64 alphanumeric characters from the OS CSPRNG (≈ 381 bits).</summary>
    public static string NewToken() => RandomNumberGenerator.GetString(Alphabet, TokenLength);

    /// <summary>Lowercase hex SHA-256 of the UTF-8 token: what the database stores and looks up.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Constant-time comparison of two stored hashes (hex strings of equal length when valid).</summary>
    public static bool HashesEqual(string? stored, string presented) =>
        stored is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(presented));
}
