using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

public sealed class DiskForecastTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromHours(6);

    /// <summary>Samples every 10 minutes over <paramref name="span"/>, ending now at <paramref name="usedNow"/> of 100 GB.</summary>
    internal static List<DiskSample> Growing(double gbPerHour, double usedNow, TimeSpan span, double noise = 0) =>
        Enumerable.Range(0, (int)(span.TotalMinutes / 10) + 1)
            .Select(i => TimeSpan.FromMinutes(10 * i))
            .Select((ago, i) => new DiskSample(Now - ago, usedNow - gbPerHour * ago.TotalHours + (i % 2 == 0 ? noise : -noise), 100))
            .Reverse()
            .ToList();

    [Fact]
    public void One_gb_an_hour_with_twenty_left_fills_in_twenty_hours()
    {
        var full = TimeToFull(Growing(1, 80, Window));
        Assert.NotNull(full);
        Assert.Equal(20, full.Value.TotalHours, 3);
    }

    [Fact]
    public void The_fit_goes_through_noise()
    {
        var full = TimeToFull(Growing(2, 60, Window, noise: 0.5));
        Assert.NotNull(full);
        Assert.InRange(full.Value.TotalHours, 19.5, 20.5);
    }

    [Fact]
    public void Every_panel_fits_the_line_at_the_start_of_the_minute_whatever_its_clock_offset()
    {
        var start = new DateTimeOffset(2026, 1, 15, 10, 7, 0, TimeSpan.Zero);

        Assert.Equal(start, DiskForecast.FittedAt(start));
        Assert.Equal(start, DiskForecast.FittedAt(start.AddSeconds(59.999)));
        Assert.Equal(start, DiskForecast.FittedAt(start.AddSeconds(31).ToOffset(TimeSpan.FromHours(5.5))));
        Assert.Equal(start.AddMinutes(1), DiskForecast.FittedAt(start.AddMinutes(1)));
    }

    [Fact]
    public void The_time_to_full_of_a_line_fitted_earlier_in_the_minute_counts_from_now()
    {
        var fitted = DiskSample.Trend(Growing(1, 80, Window), Window, Now);

        Assert.Equal((20 * 3600) - 40, DiskForecast.TimeToFull(fitted, Window, Now.AddSeconds(40))!.Value.TotalSeconds, 3);
        Assert.Equal(TimeSpan.Zero, DiskForecast.TimeToFull(fitted, Window, Now.AddHours(21)));
        Assert.Null(DiskForecast.TimeToFull(DiskSample.Trend(Growing(0, 80, Window), Window, Now), Window, Now.AddSeconds(40)));
    }

    [Fact]
    public void A_flat_or_shrinking_disk_and_a_too_short_trend_forecast_nothing()
    {
        Assert.Null(TimeToFull(Growing(0, 80, Window)));
        Assert.Null(TimeToFull(Growing(-1, 80, Window)));
        Assert.Null(TimeToFull(Growing(10, 80, TimeSpan.FromMinutes(60))));
        Assert.Null(TimeToFull([]));
    }

    private static TimeSpan? TimeToFull(List<DiskSample> samples) => DiskForecast.TimeToFull(DiskSample.Trend(samples, Window, Now), Window);
}
