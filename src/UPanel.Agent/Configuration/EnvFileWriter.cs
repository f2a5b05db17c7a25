using System.Text;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Sets keys in an env file and keeps every other line (comments, other keys) as it was.
/// The file is replaced atomically with mode 0600: it holds the agent token.
/// </summary>
internal static class EnvFileWriter
{
    public static void Update(string path, IReadOnlyList<KeyValuePair<string, string>> values)
    {
        var existing = File.Exists(path) ? File.ReadAllText(path) : "";
        AtomicFile.WriteAllText(path, Merge(existing, values), AtomicFile.OwnerReadWrite);
    }

    /// <summary>The new text of the file: each key replaced where it was first set, later duplicates dropped, new keys appended.</summary>
    public static string Merge(string existing, IReadOnlyList<KeyValuePair<string, string>> values)
    {
        var pending = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            pending[key] = value;
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        var builder = new StringBuilder();
        foreach (var line in EnvFileParser.Parse(existing).Lines)
        {
            if (line.Key is not null && pending.TryGetValue(line.Key, out var value))
            {
                if (written.Add(line.Key))
                {
                    builder.Append(line.Exported ? "export " : "").Append(Format(line.Key, value)).Append('\n');
                }

                continue;
            }

            builder.Append(line.Raw).Append('\n');
        }

        foreach (var (key, value) in values)
        {
            if (written.Add(key))
            {
                builder.Append(Format(key, pending[key])).Append('\n');
            }
        }

        return builder.ToString();
    }

    public static string Format(string key, string value)
    {
        if (value.All(IsBare))
        {
            return $"{key}={value}";
        }

        // Single quotes are literal for Compose, systemd and shells alike; double quotes only when they cannot be used.
        return value.Contains('\'') || value.Contains('\n')
            ? $"{key}=\"{value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\""
            : $"{key}='{value}'";
    }

    private static bool IsBare(char c) => char.IsAsciiLetterOrDigit(c) || "_-.:/@%+,=~".Contains(c);
}
