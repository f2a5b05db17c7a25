namespace UPanel.Agent.Collection.Host;

/// <summary>Parses os-release(5) for a display name. Pure: text in, record out.</summary>
internal static class OsReleaseParser
{
    /// <summary>PRETTY_NAME, else "NAME VERSION", else NAME; null when the text has none of them.</summary>
    public static string? PrettyName(ReadOnlySpan<char> text)
    {
        string? pretty = null, name = null, version = null;
        foreach (var line in text.EnumerateLines())
        {
            var trimmed = line.Trim();
            var equals = trimmed.IndexOf('=');
            if (equals <= 0 || trimmed[0] == '#')
            {
                continue;
            }

            var value = Unquote(trimmed[(equals + 1)..].Trim());
            switch (trimmed[..equals])
            {
                case "PRETTY_NAME":
                    pretty = value;
                    break;
                case "NAME":
                    name = value;
                    break;
                case "VERSION":
                    version = value;
                    break;
            }
        }

        if (!string.IsNullOrWhiteSpace(pretty))
        {
            return pretty;
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        return string.IsNullOrWhiteSpace(version) ? name : name + " " + version;
    }

    // Shell-style value: optional single or double quotes, backslash escapes inside double quotes.
    private static string Unquote(ReadOnlySpan<char> value)
    {
        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
        {
            var quote = value[0];
            value = value[1..^1];
            if (quote == '\'' || !value.Contains('\\'))
            {
                return value.ToString();
            }

            var unescaped = new System.Text.StringBuilder(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                {
                    i++;
                }

                unescaped.Append(value[i]);
            }

            return unescaped.ToString();
        }

        return value.ToString();
    }
}
