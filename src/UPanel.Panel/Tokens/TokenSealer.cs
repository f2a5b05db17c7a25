using System.Security.Cryptography;
using System.Text;

namespace UPanel.Panel.Tokens;

/// <summary>
/// A rotated agent token must be handed out in a later heartbeat response, so the panel has to recover it, but the
/// database must never hold a usable token. It is kept sealed (AES-256-GCM) with a key that lives outside the
/// database: <c>UPANEL_TOKEN_KEY</c>, else a 0600 file in the data directory. On PostgreSQL the cookie keys kept in the
/// database are sealed with it too (Storage/CookieKeyRepository.cs), so every panel on one database needs the same key.
/// </summary>
internal sealed class TokenSealer(byte[] key)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <param name="boundTo">What the value belongs to (a server id): it opens only with the same.</param>
    public string Seal(string token, string boundTo)
    {
        var plain = Encoding.UTF8.GetBytes(token);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        // Bound as associated data so a sealed token cannot be moved to another server's row.
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(boundTo));
        return "v1:" + Convert.ToBase64String(output);
    }

    /// <summary>Null when the value was sealed with another key (the key was lost or replaced).</summary>
    public string? Unseal(string sealedToken, string boundTo)
    {
        if (!sealedToken.StartsWith("v1:", StringComparison.Ordinal))
        {
            return null;
        }

        byte[] input;
        try
        {
            input = Convert.FromBase64String(sealedToken[3..]);
        }
        catch (FormatException)
        {
            return null;
        }

        if (input.Length < NonceSize + TagSize)
        {
            return null;
        }

        var length = input.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(boundTo));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plain);
    }
}
