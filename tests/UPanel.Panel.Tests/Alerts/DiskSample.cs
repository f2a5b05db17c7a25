using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>One reading of the root filesystem, as a test writes a disk's history.</summary>
internal readonly record struct DiskSample(DateTimeOffset At, double UsedGb, double TotalGb)
{
    /// <summary>
    /// The trend the database sums for these samples (<c>IPanelStore.GetDiskTrendAsync</c> over the window ending at
    /// <paramref name="now"/>): the same filter, the same sums, computed here one sample at a time.
    /// </summary>
    public static DiskTrend Trend(IEnumerable<DiskSample> samples, TimeSpan window, DateTimeOffset now)
    {
        var inWindow = samples.Where(s => s.At >= now - window && s.At < now && s.TotalGb > 0).OrderBy(s => s.At).ToList();
        if (inWindow.Count == 0)
        {
            return default;
        }

        double sumX = 0, sumY = 0, sumXX = 0, sumXY = 0;
        foreach (var sample in inWindow)
        {
            var x = (sample.At - now).TotalHours;
            sumX += x;
            sumY += sample.UsedGb;
            sumXX += x * x;
            sumXY += x * sample.UsedGb;
        }

        return new DiskTrend(now, inWindow.Count, inWindow[0].At, inWindow[^1].At, sumX, sumY, sumXX, sumXY, inWindow[^1].TotalGb);
    }
}
