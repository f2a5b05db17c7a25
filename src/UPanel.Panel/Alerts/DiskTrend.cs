namespace UPanel.Panel.Alerts;

/// <summary>
/// The root filesystem's readings over the forecast window, summed for a least-squares line: x is a sample's time in
/// hours before <see cref="At"/> (negative), y its used GB. The database sums them (<c>IPanelStore.GetDiskTrendAsync</c>),
/// so an evaluation reads one row however many heartbeats the window holds. The default, no samples, forecasts nothing.
/// </summary>
/// <param name="At">The moment the x values are counted from (the evaluation's now).</param>
/// <param name="Count">Samples in the window that report both used and a total above 0.</param>
/// <param name="First">The oldest sample's time; meaningless when <paramref name="Count"/> is 0.</param>
/// <param name="Last">The newest sample's time.</param>
/// <param name="LatestTotalGb">The newest sample's total.</param>
internal readonly record struct DiskTrend(
    DateTimeOffset At, long Count, DateTimeOffset First, DateTimeOffset Last,
    double SumX, double SumY, double SumXX, double SumXY, double LatestTotalGb);
