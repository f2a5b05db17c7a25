using System.Globalization;
using System.Text;

namespace UPanel.Agent.Http;

/// <summary>
/// Parses a response head (status line and headers, without the blank line that ends it) as RFC 9112 has it. Lines may
/// end in CRLF or a bare LF; anything else out of shape is a <see cref="FormatException"/> saying what.
/// </summary>
internal static class HttpResponseHeadParser
{
    public static HttpResponseHead Parse(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf((byte)'\n');
        var statusLine = TrimCr(lineEnd < 0 ? head : head[..lineEnd]);
        var (minor, status) = ParseStatusLine(statusLine);

        var headers = new List<KeyValuePair<string, string>>();
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 1)..];
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf((byte)'\n');
            var line = TrimCr(lineEnd < 0 ? rest : rest[..lineEnd]);
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 1)..];
            headers.Add(ParseHeader(line));
        }

        return Describe(minor, status, headers);
    }

    private static (int Minor, int Status) ParseStatusLine(ReadOnlySpan<byte> line)
    {
        // "HTTP/1.1 200 OK"; the reason phrase may be empty or missing.
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != ' '
            || !char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11])
            || (line.Length > 12 && line[12] != ' '))
        {
            throw new FormatException($"malformed status line \"{Show(line)}\"");
        }

        var status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (status < 100)
        {
            throw new FormatException($"malformed status line \"{Show(line)}\"");
        }

        return (line[7] - '0', status);
    }

    private static KeyValuePair<string, string> ParseHeader(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            // Also a folded continuation line (leading whitespace), obsolete and refused by RFC 9112.
            throw new FormatException($"malformed header line \"{Show(line)}\"");
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in value)
        {
            if (b is < 0x20 and not (byte)'\t' or 0x7f)
            {
                throw new FormatException($"control character in header {Encoding.ASCII.GetString(line[..colon])}");
            }
        }

        return new(Encoding.ASCII.GetString(line[..colon]), Encoding.Latin1.GetString(value));
    }

    private static HttpResponseHead Describe(int minor, int status, List<KeyValuePair<string, string>> headers)
    {
        string? transferEncoding = null;
        string? contentLength = null;
        var close = false;
        var keepAlive = false;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                transferEncoding = transferEncoding is null ? value : transferEncoding + "," + value;
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (contentLength is not null && contentLength != value.Trim())
                {
                    throw new FormatException($"conflicting Content-Length headers ({contentLength}, {value.Trim()})");
                }

                contentLength = value.Trim();
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var option in value.Split(',', StringSplitOptions.TrimEntries))
                {
                    close |= option.Equals("close", StringComparison.OrdinalIgnoreCase);
                    keepAlive |= option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase);
                }
            }
        }

        var reusable = !close && (minor >= 1 || keepAlive);
        if (status is 204 or 304 || status < 200)
        {
            // After a 101 the connection speaks another protocol: never reused for HTTP.
            return new() { StatusCode = status, Headers = headers, Framing = HttpBodyFraming.None, KeepAlive = reusable && status != 101 };
        }

        if (transferEncoding is not null)
        {
            // Transfer-Encoding overrides Content-Length; a coding other than chunked last runs until close (RFC 9112 6.3).
            var chunked = transferEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } codings
                && codings[^1].Equals("chunked", StringComparison.OrdinalIgnoreCase);
            return new()
            {
                StatusCode = status, Headers = headers,
                Framing = chunked ? HttpBodyFraming.Chunked : HttpBodyFraming.UntilClose,
                KeepAlive = chunked && reusable && contentLength is null,
            };
        }

        if (contentLength is not null)
        {
            if (contentLength.Length == 0 || !contentLength.All(char.IsAsciiDigit)
                || !long.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw new FormatException($"malformed Content-Length \"{Show(Encoding.Latin1.GetBytes(contentLength))}\"");
            }

            return new()
            {
                StatusCode = status, Headers = headers,
                Framing = length == 0 ? HttpBodyFraming.None : HttpBodyFraming.ContentLength, ContentLength = length, KeepAlive = reusable,
            };
        }

        return new() { StatusCode = status, Headers = headers, Framing = HttpBodyFraming.UntilClose, KeepAlive = false };
    }

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (b <= ' ' || b >= 0x7f || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.EndsWith("\r"u8) ? line[..^1] : line;

    /// <summary>At most 60 printable characters of what arrived, for the error message.</summary>
    private static string Show(ReadOnlySpan<byte> line)
    {
        var shown = line.Length > 60 ? line[..60] : line;
        var builder = new StringBuilder(shown.Length + 3);
        foreach (var b in shown)
        {
            builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        return line.Length > 60 ? builder.Append("...").ToString() : builder.ToString();
    }
}
