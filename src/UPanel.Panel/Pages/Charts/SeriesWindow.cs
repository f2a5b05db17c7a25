namespace UPanel.Panel.Pages.Charts;

/// <summary>
/// What a chart of the last <c>span</c> reads and how it is cut: buckets aligned to multiples of their length, from
/// the one holding <c>now − span</c> to now, and the history read from one gap earlier, so the first bucket's network
/// rate has the reading before it.
/// </summary>
internal readonly record struct SeriesWindow(long FromSeconds, long ToSeconds, int BucketSeconds, int GapSeconds)
{
    public static SeriesWindow For(TimeSpan span, DateTimeOffset now, int heartbeatSeconds)
    {
        var nowSeconds = now.ToUnixTimeSeconds();
        var bucket = SeriesBuilder.BucketSeconds(span, heartbeatSeconds);
        return new SeriesWindow((nowSeconds - (long)span.TotalSeconds) / bucket * bucket, nowSeconds + 1, bucket, 3 * heartbeatSeconds);
    }

    public DateTimeOffset ReadFrom => DateTimeOffset.FromUnixTimeSeconds(FromSeconds - GapSeconds);

    public DateTimeOffset ReadTo => DateTimeOffset.FromUnixTimeSeconds(ToSeconds);

    public TimeSpan Bucket => TimeSpan.FromSeconds(BucketSeconds);

    public ChartSeries Build(IReadOnlyList<HistorySlice> history) => SeriesBuilder.Build(history, FromSeconds, ToSeconds, BucketSeconds, GapSeconds);
}
