using System.Text;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Parses <c>KEY=VALUE</c> files as Docker Compose and systemd users write them: blank lines and <c>#</c> comments,
/// an optional <c>export </c> prefix, values bare, in single quotes (literal) or double quotes (<c>\"</c>, <c>\\</c>,
/// <c>\n</c> escapes). Pure: text in, document out.
/// </summary>
internal static class EnvFileParser
{
    public static EnvFileDocument Parse(string text)
    {
        var lines = new List<EnvFileLine>();
        var errors = new List<EnvFileError>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (TryParseLine(line, out var key, out var value, out var exported, out var error))
            {
                lines.Add(new EnvFileLine(number, line, key, value, exported));
            }
            else
            {
                lines.Add(new EnvFileLine(number, line, null, null, false));
                errors.Add(new EnvFileError(number, error!));
            }
        }

        // A final newline leaves one empty "line" that is not really there.
        if (lines.Count > 0 && lines[^1].Raw.Length == 0 && text.EndsWith('\n'))
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return new EnvFileDocument(lines, errors);
    }

    private static bool TryParseLine(string line, out string? key, out string? value, out bool exported, out string? error)
    {
        key = null;
        value = null;
        exported = false;
        error = null;
        var s = line.AsSpan().Trim();
        if (s.IsEmpty || s[0] == '#')
        {
            return true;
        }

        if (s.StartsWith("export ") || s.StartsWith("export\t"))
        {
            exported = true;
            s = s[7..].TrimStart();
        }

        var eq = s.IndexOf('=');
        if (eq < 0)
        {
            error = "expected KEY=VALUE but found no '='";
            return false;
        }

        var name = s[..eq].TrimEnd();
        if (!IsValidKey(name))
        {
            error = "the name before '=' is not a valid variable name (letters, digits, '_'; not starting with a digit)";
            return false;
        }

        var rest = s[(eq + 1)..].TrimStart();
        string parsed;
        if (!rest.IsEmpty && (rest[0] == '"' || rest[0] == '\''))
        {
            if (!TryParseQuoted(rest, out parsed, out var consumed, out error))
            {
                return false;
            }

            var after = rest[consumed..].TrimStart();
            if (!after.IsEmpty && after[0] != '#')
            {
                error = "unexpected text after the closing quote";
                return false;
            }
        }
        else
        {
            // An inline comment needs whitespace before '#', so a '#' inside a bare value is kept.
            for (var i = 1; i < rest.Length; i++)
            {
                if (rest[i] == '#' && char.IsWhiteSpace(rest[i - 1]))
                {
                    rest = rest[..i];
                    break;
                }
            }

            parsed = rest.TrimEnd().ToString();
        }

        key = name.ToString();
        value = parsed;
        return true;
    }

    private static bool TryParseQuoted(ReadOnlySpan<char> s, out string value, out int consumed, out string? error)
    {
        var quote = s[0];
        var builder = new StringBuilder();
        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c == quote)
            {
                value = builder.ToString();
                consumed = i + 1;
                error = null;
                return true;
            }

            if (quote == '"' && c == '\\' && i + 1 < s.Length)
            {
                i++;
                builder.Append(s[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    var other => other,
                });
                continue;
            }

            builder.Append(c);
        }

        value = "";
        consumed = s.Length;
        error = quote == '"' ? "unterminated double quote (values cannot span lines)" : "unterminated single quote (values cannot span lines)";
        return false;
    }

    public static bool IsValidKey(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
