using System.Globalization;

namespace UPanel.Agent.Collection.Host;

/// <summary>Allocation-free helpers for the whitespace-separated text of kernel files.</summary>
internal static class KernelText
{
    /// <summary>Takes the next space- or tab-separated field from <paramref name="rest"/>; false when none is left.</summary>
    public static bool NextField(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> field)
    {
        var start = 0;
        while (start < rest.Length && IsBlank(rest[start]))
        {
            start++;
        }

        if (start == rest.Length)
        {
            rest = default;
            field = default;
            return false;
        }

        var end = start;
        while (end < rest.Length && !IsBlank(rest[end]))
        {
            end++;
        }

        field = rest[start..end];
        rest = rest[end..];
        return true;
    }

    /// <summary>The next field as an unsigned decimal counter; throws <see cref="FormatException"/> naming <paramref name="what"/>.</summary>
    public static ulong NextCounter(ref ReadOnlySpan<char> rest, string what)
    {
        if (!NextField(ref rest, out var field))
        {
            throw new FormatException($"{what}: missing value");
        }

        return ParseCounter(field, what);
    }

    public static ulong ParseCounter(ReadOnlySpan<char> field, string what)
    {
        if (!ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"{what}: '{Shorten(field)}' is not a counter");
        }

        return value;
    }

    /// <summary>At most 32 characters of odd input, for an error message (the input may be huge garbage).</summary>
    public static string Shorten(ReadOnlySpan<char> text) => text.Length <= 32 ? text.ToString() : string.Concat(text[..32], "…");

    private static bool IsBlank(char c) => c is ' ' or '\t';
}
