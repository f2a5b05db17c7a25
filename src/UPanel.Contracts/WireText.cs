using System.Globalization;

namespace UPanel.Contracts;

/// <summary>
/// Checks for text that crosses the wire and ends up on a page, in a log line or in a file, written once for the
/// agent and the panel.
/// </summary>
public static class WireText
{
    /// <summary>
    /// Control characters, and format characters and separators that change how the text around them reads or breaks
    /// (U+202E right-to-left override, zero-width characters, U+2028): never part of a name. <c>char.IsControl</c> alone
    /// misses all but the first.
    /// </summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    public static bool HasUnsafe(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A whole number written in ASCII digits only, at most 18 of them. <c>long.TryParse</c> with
    /// <c>NumberStyles.None</c> still takes "1\0" as 1 (trailing NULs are ignored).
    /// </summary>
    public static bool TryParseDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                value = 0;
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
