namespace UPanel.Panel.Alerts;

/// <summary>The rules' settings, with the defaults every server gets; a server's own settings replace them field by field.</summary>
internal sealed record AlertRules
{
    /// <summary>Offline after this many of the server's own heartbeat intervals without a heartbeat.</summary>
    public int OfflineAfterIntervals { get; init; } = 3;

    public double CpuPercent { get; init; } = 90;

    public double RamPercent { get; init; } = 90;

    public double DiskPercent { get; init; } = 90;

    /// <summary>How long a threshold must be exceeded before it fires.</summary>
    public TimeSpan ThresholdFor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A firing threshold resolves only below threshold minus this many points, so a value hovering at the line does not flap.</summary>
    public double HysteresisPoints { get; init; } = 5;

    /// <summary>Disk-full forecast: fires when the trend over <see cref="DiskForecastWindow"/> fills the disk within this.</summary>
    public TimeSpan DiskFullWithin { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan DiskForecastWindow { get; init; } = TimeSpan.FromHours(6);

    public TimeSpan UnhealthyFor { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Restart loop: the restart count grew at least this many times within <see cref="RestartLoopWindow"/>.</summary>
    public int RestartLoopRestarts { get; init; } = 3;

    public TimeSpan RestartLoopWindow { get; init; } = TimeSpan.FromMinutes(10);
}
