namespace UPanel.Panel.Alerts;

/// <summary>When the root filesystem fills at its current trend: a least-squares line through the samples of the window.</summary>
internal static class DiskForecast
{
    /// <summary>
    /// The moment an evaluation at <paramref name="now"/> fits the line at: the start of its minute (UTC). The samples
    /// before it count, the ones of the current minute from the next minute on (docs/decisions/ingest-throughput.md,
    /// twelfth pass).
    /// </summary>
    public static DateTimeOffset FittedAt(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>
    /// <see cref="TimeToFull(DiskTrend, TimeSpan)"/> counted from <paramref name="now"/> rather than from the moment the
    /// line was fitted at (up to a minute before it).
    /// </summary>
    public static TimeSpan? TimeToFull(DiskTrend trend, TimeSpan window, DateTimeOffset now)
    {
        var full = TimeToFull(trend, window);
        return full is { } fromFit ? TimeSpan.FromTicks(Math.Max(0, (fromFit - (now - trend.At)).Ticks)) : null;
    }

    /// <summary>
    /// Time from the trend's moment until used reaches the newest total on the fitted line; null when it is not growing,
    /// or the samples span less than a quarter of <paramref name="window"/> (too short a trend to believe).
    /// </summary>
    public static TimeSpan? TimeToFull(DiskTrend trend, TimeSpan window)
    {
        if (trend.Count < 3 || trend.Last - trend.First < window / 4)
        {
            return null;
        }

        // x counts hours from the trend's moment (negative), so the intercept is the fitted use at that moment.
        var n = trend.Count;
        var meanX = trend.SumX / n;
        var meanY = trend.SumY / n;
        var sxx = trend.SumXX - (n * meanX * meanX);
        var sxy = trend.SumXY - (n * meanX * meanY);
        if (sxx <= 0)
        {
            return null;
        }

        var slope = sxy / sxx;
        if (slope <= 0)
        {
            return null;
        }

        var usedNow = meanY - (slope * meanX);
        var hours = Math.Max(0, (trend.LatestTotalGb - usedNow) / slope);
        return hours > TimeSpan.MaxValue.TotalHours / 2 ? null : TimeSpan.FromHours(hours);
    }
}
