using Microsoft.Extensions.Logging;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tokens;

/// <summary>The 32-byte key of <see cref="TokenSealer"/>: UPANEL_TOKEN_KEY, else DATA_DIR/token.key (created 0600).</summary>
internal static class TokenKey
{
    public static byte[] Load(PanelOptions options, ILogger logger)
    {
        if (options.TokenKey is { } configured)
        {
            return Decode(configured, "UPANEL_TOKEN_KEY");
        }

        var path = Path.GetFullPath(options.TokenKeyPath);
        if (File.Exists(path))
        {
            return Decode(File.ReadAllText(path).Trim(), path);
        }

        SecretFile.EnsureDirectory(options.DataDirectory);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        SecretFile.Write(path, Convert.ToBase64String(key) + "\n");
        Log.TokenKeyGenerated(logger, path);
        return key;
    }

    private static byte[] Decode(string text, string source)
    {
        try
        {
            var key = Convert.FromBase64String(text);
            if (key.Length == 32)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new PanelUsageException($"{source}: must be base64 of 32 random bytes (e.g. `head -c 32 /dev/urandom | base64`)");
    }
}
