namespace UPanel.Panel.Alerts;

/// <summary>When the root filesystem fills at its current trend: a least-squares line through the samples of the window.</summary>
internal static class DiskForecast
{
    /// <summary>
    /// Time from <paramref name="now"/> until used reaches total on the fitted line; null when it is not growing, or the
    /// samples span less than a quarter of <paramref name="window"/> (too short a trend to believe).
    /// </summary>
    public static TimeSpan? TimeToFull(IReadOnlyList<DiskSample> samples, TimeSpan window, DateTimeOffset now)
    {
        var recent = samples.Where(s => now - s.At <= window && s.TotalGb > 0).ToList();
        if (recent.Count < 3 || recent.Max(s => s.At) - recent.Min(s => s.At) < window / 4)
        {
            return null;
        }

        // Hours since now (negative), so the intercept is the fitted use at this moment.
        var xs = recent.Select(s => (s.At - now).TotalHours).ToList();
        var meanX = xs.Average();
        var meanY = recent.Average(s => s.UsedGb);
        double sxy = 0, sxx = 0;
        for (var i = 0; i < recent.Count; i++)
        {
            sxy += (xs[i] - meanX) * (recent[i].UsedGb - meanY);
            sxx += (xs[i] - meanX) * (xs[i] - meanX);
        }

        var slope = sxy / sxx;
        if (slope <= 0)
        {
            return null;
        }

        var usedNow = meanY - slope * meanX;
        var hours = Math.Max(0, (recent[^1].TotalGb - usedNow) / slope);
        return hours > TimeSpan.MaxValue.TotalHours / 2 ? null : TimeSpan.FromHours(hours);
    }
}
