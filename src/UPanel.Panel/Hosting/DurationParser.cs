using System.Globalization;

namespace UPanel.Panel.Hosting;

/// <summary>Durations as people type them: 90s, 30m, 24h, 7d, or plain seconds.</summary>
internal static class DurationParser
{
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        var (number, scale) = unit switch
        {
            's' => (text[..^1], 1L),
            'm' => (text[..^1], 60L),
            'h' => (text[..^1], 3600L),
            'd' => (text[..^1], 86400L),
            _ => (text, 1L),
        };
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 3650L * 86400 / scale)
        {
            return null;
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
