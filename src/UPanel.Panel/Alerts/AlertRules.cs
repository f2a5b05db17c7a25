using System.Collections.Immutable;

namespace UPanel.Panel.Alerts;

/// <summary>
/// The rules' settings in effect for one server: the defaults, then the panel-wide settings, then the server's own,
/// field by field (<see cref="AlertRuleSettings.Apply"/>). What is not adjustable (hysteresis, forecast window, how long a clock skew holds, the token failures' count and window)
/// keeps its default.
/// </summary>
internal sealed record AlertRules
{
    /// <summary>Rules switched off: they neither fire nor stay firing (one firing when switched off resolves).</summary>
    public ImmutableHashSet<AlertKind> Disabled { get; init; } = [];

    /// <summary>Offline after this many of the server's own heartbeat intervals without a heartbeat.</summary>
    public int OfflineAfterIntervals { get; init; } = 3;

    public double CpuPercent { get; init; } = 90;

    public TimeSpan CpuFor { get; init; } = TimeSpan.FromMinutes(5);

    public double RamPercent { get; init; } = 90;

    public TimeSpan RamFor { get; init; } = TimeSpan.FromMinutes(5);

    public double DiskPercent { get; init; } = 90;

    public TimeSpan DiskFor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Load: the 1-minute load average above the server's CPU cores times this.</summary>
    public double LoadPerCore { get; init; } = 2;

    public TimeSpan LoadFor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A firing threshold resolves only below threshold minus this many points, so a value hovering at the line does not flap.</summary>
    public double HysteresisPoints { get; init; } = 5;

    /// <summary>A firing load alert resolves only below this share of its limit.</summary>
    public double LoadHysteresis { get; init; } = 0.9;

    /// <summary>Disk-full forecast: fires when the trend over <see cref="DiskForecastWindow"/> fills the disk within this.</summary>
    public TimeSpan DiskFullWithin { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan DiskForecastWindow { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The agent reports another version than its server's target version for this long (an update takes a while).</summary>
    public TimeSpan AgentBehindFor { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The agent's clock is off the panel's by more than this, in either direction, for <see cref="ClockSkewFor"/>.</summary>
    public int ClockSkewSeconds { get; init; } = 60;

    /// <summary>Held this long, so one late answer (which makes the agent look ahead by its delay) does not fire; resolves at half the limit.</summary>
    public TimeSpan ClockSkewFor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Heartbeats naming the server refused for their token at least this many times (minutes apart: one is counted per
    /// minute) within <see cref="TokenFailuresWindow"/>; resolves after a whole window without one.
    /// </summary>
    public int TokenFailuresCount { get; init; } = 3;

    public TimeSpan TokenFailuresWindow { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan UnhealthyFor { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Restart loop: the restart count grew at least this many times within <see cref="RestartLoopWindow"/>.</summary>
    public int RestartLoopRestarts { get; init; } = 3;

    public TimeSpan RestartLoopWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A firing alert is sent again this often while it fires; null: once.</summary>
    public TimeSpan? RepeatEvery { get; init; }

    public bool Enabled(AlertKind kind) => !Disabled.Contains(kind);
}
