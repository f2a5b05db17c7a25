using System.Text.Json.Serialization;
using UPanel.Panel.Api;

namespace UPanel.Panel.Alerts;

/// <summary>
/// Rule settings as the admin API takes and shows them and as <c>alert_rules</c> stores them: a field left out (null)
/// is inherited (a server's from the panel-wide settings, those from the defaults). A rule's name turns it on or off;
/// <see cref="RepeatEverySeconds"/> 0 sends a firing alert once.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record AlertRuleSettings
{
    public const int MaxDurationSeconds = 86_400;
    public const int MaxRepeatSeconds = 7 * 86_400;

    public bool? ServerOffline { get; init; }
    public int? OfflineAfterIntervals { get; init; }
    public bool? CpuHigh { get; init; }
    public double? CpuPercent { get; init; }
    public int? CpuForSeconds { get; init; }
    public bool? RamHigh { get; init; }
    public double? RamPercent { get; init; }
    public int? RamForSeconds { get; init; }
    public bool? DiskHigh { get; init; }
    public double? DiskPercent { get; init; }
    public int? DiskForSeconds { get; init; }
    public bool? LoadHigh { get; init; }
    public double? LoadPerCore { get; init; }
    public int? LoadForSeconds { get; init; }
    public bool? DiskFullForecast { get; init; }
    public bool? AgentBehind { get; init; }
    public int? AgentBehindForSeconds { get; init; }
    public bool? ClockSkew { get; init; }
    public int? ClockSkewSeconds { get; init; }
    public bool? TokenFailures { get; init; }
    public bool? ContainerExited { get; init; }
    public bool? ContainerOomKilled { get; init; }
    public bool? ContainerUnhealthy { get; init; }
    public int? UnhealthyForSeconds { get; init; }
    public bool? ContainerRestartLoop { get; init; }
    public int? RestartLoopRestarts { get; init; }
    public int? RestartLoopWindowSeconds { get; init; }
    public bool? ContainerDisappeared { get; init; }
    public int? RepeatEverySeconds { get; init; }

    /// <summary>The first field out of range, named as in the JSON; null when all are fine.</summary>
    public ApiError? Validate() =>
        Checks.Range("offline_after_intervals", OfflineAfterIntervals, 2, 100)
        ?? Checks.Range("cpu_percent", CpuPercent, 10, 100)
        ?? Checks.Range("cpu_for_seconds", CpuForSeconds, 0, MaxDurationSeconds)
        ?? Checks.Range("ram_percent", RamPercent, 10, 100)
        ?? Checks.Range("ram_for_seconds", RamForSeconds, 0, MaxDurationSeconds)
        ?? Checks.Range("disk_percent", DiskPercent, 10, 100)
        ?? Checks.Range("disk_for_seconds", DiskForSeconds, 0, MaxDurationSeconds)
        ?? Checks.Range("load_per_core", LoadPerCore, 0.1, 100)
        ?? Checks.Range("load_for_seconds", LoadForSeconds, 0, MaxDurationSeconds)
        ?? Checks.Range("agent_behind_for_seconds", AgentBehindForSeconds, 0, MaxRepeatSeconds)
        ?? Checks.Range("clock_skew_seconds", ClockSkewSeconds, 5, MaxDurationSeconds)
        ?? Checks.Range("unhealthy_for_seconds", UnhealthyForSeconds, 0, MaxDurationSeconds)
        ?? Checks.Range("restart_loop_restarts", RestartLoopRestarts, 2, 100)
        ?? Checks.Range("restart_loop_window_seconds", RestartLoopWindowSeconds, 60, MaxDurationSeconds)
        ?? (RepeatEverySeconds is { } repeat && repeat != 0 && (repeat < 60 || repeat > MaxRepeatSeconds)
            ? ApiError.BadField("repeat_every_seconds", $"must be 0 (never) or between 60 and {MaxRepeatSeconds}")
            : null);

    /// <summary><paramref name="rules"/> with the fields set here replacing theirs.</summary>
    public AlertRules Apply(AlertRules rules)
    {
        var disabled = rules.Disabled.ToBuilder();
        foreach (var (kind, on) in Switches())
        {
            if (on is true)
            {
                disabled.Remove(kind);
            }
            else if (on is false)
            {
                disabled.Add(kind);
            }
        }

        return rules with
        {
            Disabled = disabled.ToImmutable(),
            OfflineAfterIntervals = OfflineAfterIntervals ?? rules.OfflineAfterIntervals,
            CpuPercent = CpuPercent ?? rules.CpuPercent,
            CpuFor = Seconds(CpuForSeconds) ?? rules.CpuFor,
            RamPercent = RamPercent ?? rules.RamPercent,
            RamFor = Seconds(RamForSeconds) ?? rules.RamFor,
            DiskPercent = DiskPercent ?? rules.DiskPercent,
            DiskFor = Seconds(DiskForSeconds) ?? rules.DiskFor,
            LoadPerCore = LoadPerCore ?? rules.LoadPerCore,
            LoadFor = Seconds(LoadForSeconds) ?? rules.LoadFor,
            AgentBehindFor = Seconds(AgentBehindForSeconds) ?? rules.AgentBehindFor,
            ClockSkewSeconds = ClockSkewSeconds ?? rules.ClockSkewSeconds,
            UnhealthyFor = Seconds(UnhealthyForSeconds) ?? rules.UnhealthyFor,
            RestartLoopRestarts = RestartLoopRestarts ?? rules.RestartLoopRestarts,
            RestartLoopWindow = Seconds(RestartLoopWindowSeconds) ?? rules.RestartLoopWindow,
            RepeatEvery = RepeatEverySeconds is { } repeat ? (repeat == 0 ? null : TimeSpan.FromSeconds(repeat)) : rules.RepeatEvery,
        };
    }

    /// <summary>Every field of <paramref name="rules"/>, as the API shows the settings in effect.</summary>
    public static AlertRuleSettings Of(AlertRules rules) => new()
    {
        ServerOffline = rules.Enabled(AlertKind.ServerOffline),
        OfflineAfterIntervals = rules.OfflineAfterIntervals,
        CpuHigh = rules.Enabled(AlertKind.CpuHigh),
        CpuPercent = rules.CpuPercent,
        CpuForSeconds = (int)rules.CpuFor.TotalSeconds,
        RamHigh = rules.Enabled(AlertKind.RamHigh),
        RamPercent = rules.RamPercent,
        RamForSeconds = (int)rules.RamFor.TotalSeconds,
        DiskHigh = rules.Enabled(AlertKind.DiskHigh),
        DiskPercent = rules.DiskPercent,
        DiskForSeconds = (int)rules.DiskFor.TotalSeconds,
        LoadHigh = rules.Enabled(AlertKind.LoadHigh),
        LoadPerCore = rules.LoadPerCore,
        LoadForSeconds = (int)rules.LoadFor.TotalSeconds,
        DiskFullForecast = rules.Enabled(AlertKind.DiskFullForecast),
        AgentBehind = rules.Enabled(AlertKind.AgentBehind),
        AgentBehindForSeconds = (int)rules.AgentBehindFor.TotalSeconds,
        ClockSkew = rules.Enabled(AlertKind.ClockSkew),
        ClockSkewSeconds = rules.ClockSkewSeconds,
        TokenFailures = rules.Enabled(AlertKind.TokenFailures),
        ContainerExited = rules.Enabled(AlertKind.ContainerExited),
        ContainerOomKilled = rules.Enabled(AlertKind.ContainerOomKilled),
        ContainerUnhealthy = rules.Enabled(AlertKind.ContainerUnhealthy),
        UnhealthyForSeconds = (int)rules.UnhealthyFor.TotalSeconds,
        ContainerRestartLoop = rules.Enabled(AlertKind.ContainerRestartLoop),
        RestartLoopRestarts = rules.RestartLoopRestarts,
        RestartLoopWindowSeconds = (int)rules.RestartLoopWindow.TotalSeconds,
        ContainerDisappeared = rules.Enabled(AlertKind.ContainerDisappeared),
        RepeatEverySeconds = rules.RepeatEvery is { } every ? (int)every.TotalSeconds : 0,
    };

    private IEnumerable<(AlertKind Kind, bool? On)> Switches() =>
    [
        (AlertKind.ServerOffline, ServerOffline),
        (AlertKind.CpuHigh, CpuHigh),
        (AlertKind.RamHigh, RamHigh),
        (AlertKind.DiskHigh, DiskHigh),
        (AlertKind.LoadHigh, LoadHigh),
        (AlertKind.DiskFullForecast, DiskFullForecast),
        (AlertKind.AgentBehind, AgentBehind),
        (AlertKind.ClockSkew, ClockSkew),
        (AlertKind.TokenFailures, TokenFailures),
        (AlertKind.ContainerExited, ContainerExited),
        (AlertKind.ContainerOomKilled, ContainerOomKilled),
        (AlertKind.ContainerUnhealthy, ContainerUnhealthy),
        (AlertKind.ContainerRestartLoop, ContainerRestartLoop),
        (AlertKind.ContainerDisappeared, ContainerDisappeared),
    ];

    private static TimeSpan? Seconds(int? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;
}
