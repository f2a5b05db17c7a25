using System.Globalization;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Reads the engine's human <c>Status</c> text of a listed container ("Up 5 minutes (healthy)", "Exited (3) 2 hours
/// ago", "Up 2 days (Paused)") to decide whether a cached inspection is still right, without inspecting every time.
/// </summary>
internal static class ContainerStatusText
{
    /// <summary>
    /// State plus the first word and the parenthesised parts of the text (health, exit code, paused), without the
    /// duration, which changes every minute for a young container and would force an inspection each heartbeat.
    /// </summary>
    public static string ChangeKey(string? state, string? status)
    {
        if (string.IsNullOrEmpty(status))
        {
            return state ?? string.Empty;
        }

        var key = new char[ChangeKeyLength(state, status)];
        WriteChangeKey(state, status, key);
        return new string(key);
    }

    /// <summary>Whether <see cref="ChangeKey"/> of <paramref name="state"/> and <paramref name="status"/> is
    /// <paramref name="key"/>, without making the string (asked for every listed container every heartbeat).</summary>
    public static bool ChangeKeyEquals(string key, string? state, string? status)
    {
        if (string.IsNullOrEmpty(status))
        {
            return key == (state ?? string.Empty);
        }

        var length = ChangeKeyLength(state, status);
        if (length != key.Length)
        {
            return false;
        }

        Span<char> made = length <= 256 ? stackalloc char[length] : new char[length];
        WriteChangeKey(state, status, made);
        return made.SequenceEqual(key);
    }

    /// <summary>State, '|', the status text's first word, then every character inside parentheses (with them).</summary>
    private static int ChangeKeyLength(string? state, string status) => WriteChangeKey(state, status, []);

    /// <summary>Writes the key into <paramref name="key"/> when it is long enough (else only counts); returns its length.</summary>
    private static int WriteChangeKey(string? state, string status, Span<char> key)
    {
        var length = 0;
        Put(state, key, ref length);
        Put("|", key, ref length);
        var span = status.AsSpan();
        var firstSpace = span.IndexOf(' ');
        Put(firstSpace < 0 ? span : span[..firstSpace], key, ref length);
        var depth = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '(')
            {
                depth++;
            }

            if (depth > 0)
            {
                Put(span.Slice(i, 1), key, ref length);
            }

            if (c == ')' && depth > 0)
            {
                depth--;
            }
        }

        return length;
    }

    private static void Put(ReadOnlySpan<char> text, Span<char> key, ref int length)
    {
        if (key.Length >= length + text.Length)
        {
            text.CopyTo(key[length..]);
        }

        length += text.Length;
    }

    /// <summary>
    /// For "Up &lt;duration&gt;...": the longest time the engine's HumanDuration text can stand for (so a cached start
    /// older than that means the container restarted in between). Null for other texts or an unknown format (Podman).
    /// </summary>
    public static TimeSpan? UpTimeUpperBound(string? status)
    {
        if (status is null || !status.StartsWith("Up ", StringComparison.Ordinal))
        {
            return null;
        }

        var text = status.AsSpan(3);
        var paren = text.IndexOf(" (", StringComparison.Ordinal);
        if (paren >= 0)
        {
            text = text[..paren];
        }

        text = text.Trim();
        switch (text)
        {
            case "Less than a second":
                return TimeSpan.FromSeconds(1);
            case "About a minute":
                return TimeSpan.FromMinutes(2);
            case "About an hour":
                return TimeSpan.FromMinutes(90);
        }

        var space = text.IndexOf(' ');
        if (space <= 0 || !long.TryParse(text[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var unit = text[(space + 1)..].TrimEnd('s');
        return unit switch
        {
            "second" => TimeSpan.FromSeconds(n + 1),
            "minute" => TimeSpan.FromMinutes(n + 1),
            "hour" => TimeSpan.FromMinutes((n * 60) + 30),
            "day" => TimeSpan.FromDays(n + 1),
            "week" => TimeSpan.FromDays((n + 1) * 7),
            "month" => TimeSpan.FromDays((n + 1) * 30),
            "year" => TimeSpan.FromDays((n + 1) * 366),
            _ => null,
        };
    }

    /// <summary>Health from the text when no inspection is at hand: "(healthy)", "(unhealthy)", "(health: starting)".</summary>
    public static ContainerHealth HealthFromStatus(string? status) =>
        status switch
        {
            null => ContainerHealth.None,
            _ when status.Contains("(healthy)", StringComparison.Ordinal) => ContainerHealth.Healthy,
            _ when status.Contains("(unhealthy)", StringComparison.Ordinal) => ContainerHealth.Unhealthy,
            _ when status.Contains("(health: starting)", StringComparison.Ordinal) => ContainerHealth.Starting,
            _ => ContainerHealth.None,
        };

    /// <summary>
    /// The exit code in "Exited (3) 2 hours ago" or "Restarting (1) 2 seconds ago", or null. It describes the same
    /// moment as the listed state, whereas an inspection of a restarting container may catch its next run (exit code
    /// 0 again) and be cached under the "restarting" text.
    /// </summary>
    public static int? ExitCodeFromStatus(string? status)
    {
        if (status is null)
        {
            return null;
        }

        var open = status.StartsWith("Exited (", StringComparison.Ordinal) ? "Exited (".Length
            : status.StartsWith("Restarting (", StringComparison.Ordinal) ? "Restarting (".Length
            : -1;
        var close = open < 0 ? -1 : status.IndexOf(')', open);
        return close > open && int.TryParse(status.AsSpan(open, close - open), System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null;
    }
}
