using System.Globalization;

namespace UPanel.Agent.Collection.Host;

/// <summary>Parses <c>/proc/loadavg</c> (proc(5)): "0.35 0.58 0.32 1/104 8383". Pure: text in, record out.</summary>
internal static class LoadAvgParser
{
    /// <summary>Throws <see cref="FormatException"/> unless the first three fields are finite, non-negative numbers.</summary>
    public static LoadAverage Parse(ReadOnlySpan<char> text) =>
        new(Next(ref text, "1 min"), Next(ref text, "5 min"), Next(ref text, "15 min"));

    private static double Next(ref ReadOnlySpan<char> rest, string what)
    {
        if (!KernelText.NextField(ref rest, out var field))
        {
            throw new FormatException($"/proc/loadavg: no {what} load");
        }

        // AllowDecimalPoint only: no sign, exponent, "NaN" or "Infinity" can get through.
        if (!double.TryParse(field, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new FormatException($"/proc/loadavg: {what} load '{KernelText.Shorten(field)}' is not a number");
        }

        return value;
    }
}
