using System.Text;

namespace UPanel.Agent.Health;

/// <summary>The request line of an HTTP/1.x request head, which is all the health endpoint needs to read.</summary>
internal readonly record struct HttpRequestLine(string Method, string Path)
{
    private const int MaxMethodLength = 16;

    /// <summary>
    /// Parses <c>METHOD SP target SP HTTP/1.x</c> from the start of <paramref name="head"/>. <see cref="Path"/> is the
    /// target without its query (absolute-form targets are reduced to their path). False for anything else.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out HttpRequestLine line)
    {
        line = default;
        var end = head.IndexOf((byte)'\n');
        if (end < 0)
        {
            return false;
        }

        var text = head[..end];
        if (!text.IsEmpty && text[^1] == (byte)'\r')
        {
            text = text[..^1];
        }

        var firstSpace = text.IndexOf((byte)' ');
        var lastSpace = text.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1 || firstSpace > MaxMethodLength)
        {
            return false;
        }

        var method = text[..firstSpace];
        var target = text[(firstSpace + 1)..lastSpace];
        var version = text[(lastSpace + 1)..];
        if (!version.StartsWith("HTTP/1."u8) || version.Length != 8 || !IsToken(method) || target.Contains((byte)' '))
        {
            return false;
        }

        if (target.StartsWith("http://"u8) || target.StartsWith("https://"u8))
        {
            var afterScheme = target.IndexOf("//"u8) + 2;
            var slash = target[afterScheme..].IndexOf((byte)'/');
            target = slash < 0 ? "/"u8 : target[(afterScheme + slash)..];
        }

        if (target.IsEmpty || target[0] != (byte)'/')
        {
            return false;
        }

        var query = target.IndexOfAny((byte)'?', (byte)'#');
        if (query >= 0)
        {
            target = target[..query];
        }

        line = new HttpRequestLine(Encoding.ASCII.GetString(method), Encoding.ASCII.GetString(target));
        return true;
    }

    private static bool IsToken(ReadOnlySpan<byte> method)
    {
        foreach (var b in method)
        {
            if (b is < (byte)'A' or > (byte)'Z')
            {
                return false;
            }
        }

        return true;
    }
}
