using Microsoft.Extensions.Time.Testing;
using UPanel.Contracts;
using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>The rules on fake time: one heartbeat per interval unless a test says otherwise.</summary>
public sealed class AlertEvaluatorTests
{
    private const string ServerId = "srv1";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero));
    private AlertRules _rules = new();
    private long? _cpuCores = 4;
    private ServerAlertState _state = ServerAlertState.Empty;
    private DateTimeOffset _lastSeen;
    private HostMetrics _metrics = new() { CpuPercent = 10, RamUsedMb = 1000, RamTotalMb = 4000, DiskUsedGb = 10, DiskTotalGb = 100 };
    private List<ContainerInfo>? _containers = [];
    private List<DiskSample> _diskHistory = [];
    private string? _agentVersion = "1.0.0";
    private string? _targetVersion;
    private int? _clockSkew;
    private List<DateTimeOffset> _tokenFailures = [];

    [Fact]
    public void Server_is_offline_after_three_of_its_own_intervals_once_and_back_online_with_its_next_heartbeat()
    {
        Heartbeat();
        Assert.Empty(QuietFor(TimeSpan.FromMinutes(3)));

        var fired = Assert.Single(QuietFor(TimeSpan.FromSeconds(1)));
        Assert.Equal(new AlertKey(ServerId, AlertKind.ServerOffline), fired.Key);
        Assert.True(fired.Firing);
        Assert.Empty(QuietFor(TimeSpan.FromMinutes(10)));

        var back = Assert.Single(Heartbeat());
        Assert.Equal((AlertKind.ServerOffline, false), (back.Key.Kind, back.Firing));
    }

    [Fact]
    public void A_five_minute_server_is_not_offline_after_two_minutes()
    {
        Heartbeat();
        Assert.Empty(QuietFor(TimeSpan.FromMinutes(14), interval: TimeSpan.FromMinutes(5)));
        Assert.Equal(AlertKind.ServerOffline, Assert.Single(QuietFor(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1), interval: TimeSpan.FromMinutes(5))).Key.Kind);
    }

    [Fact]
    public void A_heartbeat_inside_the_grace_sends_nothing()
    {
        Heartbeat();
        Assert.Empty(QuietFor(TimeSpan.FromMinutes(2.5)));
        Assert.Empty(Heartbeat());
        Assert.Empty(QuietFor(TimeSpan.FromMinutes(2.5)));
    }

    [Fact]
    public void Cpu_fires_once_held_for_five_minutes_and_resolves_only_below_the_hysteresis()
    {
        _metrics = _metrics with { CpuPercent = 95 };
        for (var minute = 0; minute < 5; minute++)
        {
            Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        }

        var fired = Assert.Single(Heartbeat(TimeSpan.FromMinutes(1)));
        Assert.Equal((AlertKind.CpuHigh, true), (fired.Key.Kind, fired.Firing));
        Assert.Contains("95 %", fired.Summary, StringComparison.Ordinal);

        _metrics = _metrics with { CpuPercent = 87 };
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        _metrics = _metrics with { CpuPercent = 91 };
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        _metrics = _metrics with { CpuPercent = 84.9 };
        var resolved = Assert.Single(Heartbeat(TimeSpan.FromMinutes(1)));
        Assert.Equal((AlertKind.CpuHigh, false), (resolved.Key.Kind, resolved.Firing));
    }

    [Fact]
    public void A_threshold_that_dips_before_its_duration_starts_counting_again()
    {
        _metrics = _metrics with { DiskUsedGb = 95 };
        for (var minute = 0; minute < 4; minute++)
        {
            Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        }

        _metrics = _metrics with { DiskUsedGb = 80 };
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        _metrics = _metrics with { DiskUsedGb = 95 };
        for (var minute = 0; minute < 5; minute++)
        {
            Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        }

        Assert.Equal(AlertKind.DiskHigh, Assert.Single(Heartbeat(TimeSpan.FromMinutes(1))).Key.Kind);
    }

    [Fact]
    public void Disk_full_forecast_fires_within_a_day_once_and_resolves_when_the_trend_gives_two_days()
    {
        _diskHistory = Trend(1, 80);
        var fired = Assert.Single(Heartbeat(TimeSpan.Zero));
        Assert.Equal((AlertKind.DiskFullForecast, true), (fired.Key.Kind, fired.Firing));
        Assert.Contains("full in 20 h", fired.Summary, StringComparison.Ordinal);

        _diskHistory = Trend(0.6, 80);
        Assert.Empty(Heartbeat(TimeSpan.Zero));
        _diskHistory = Trend(0.4, 80);
        Assert.False(Assert.Single(Heartbeat(TimeSpan.Zero)).Firing);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(139, true)]
    [InlineData(0, false)]
    [InlineData(143, false)]
    [InlineData(137, false)]
    public void A_container_that_stops_alerts_only_for_a_failed_exit(int exitCode, bool alerts)
    {
        _containers = [Running("web")];
        Heartbeat();
        _containers = [Exited("web", exitCode)];

        var transitions = Heartbeat(TimeSpan.FromSeconds(5));

        if (alerts)
        {
            var fired = Assert.Single(transitions);
            Assert.Equal(new AlertKey(ServerId, AlertKind.ContainerExited, "web"), fired.Key);
            Assert.Equal($"container web (web:1) exited with code {exitCode}", fired.Summary);
        }
        else
        {
            Assert.Empty(transitions);
        }
    }

    [Fact]
    public void An_exit_is_sent_once_and_resolved_when_the_container_runs_again()
    {
        _containers = [Running("web")];
        Heartbeat();
        _containers = [Exited("web", 1)];
        Assert.Single(Heartbeat());
        Assert.Empty(Heartbeat());
        Assert.Empty(Heartbeat());

        _containers = [Running("web")];
        var resolved = Assert.Single(Heartbeat());
        Assert.Equal((AlertKind.ContainerExited, false), (resolved.Key.Kind, resolved.Firing));
    }

    [Fact]
    public void Containers_already_exited_when_the_panel_first_sees_the_server_are_not_news()
    {
        _containers = [Exited("old", 1)];
        Assert.Empty(Heartbeat());
    }

    [Fact]
    public void A_new_container_that_fails_between_two_heartbeats_alerts()
    {
        Heartbeat();
        _containers = [Exited("job", 2)];
        Assert.Equal(AlertKind.ContainerExited, Assert.Single(Heartbeat()).Key.Kind);
    }

    [Fact]
    public void An_oom_kill_is_its_own_alert_not_an_exit()
    {
        _containers = [Running("hog")];
        Heartbeat();
        _containers = [Exited("hog", 137) with { OomKilled = true }];

        var fired = Assert.Single(Heartbeat());
        Assert.Equal(new AlertKey(ServerId, AlertKind.ContainerOomKilled, "hog"), fired.Key);
        Assert.Contains("out of memory", fired.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exit_reported_as_an_oom_kill_a_heartbeat_later_is_an_oom_kill_once()
    {
        // The engine's die before its oom: the agent reports the exit, then the same exit as OOM-killed.
        _containers = [Running("hog")];
        Heartbeat();
        var exited = Exited("hog", 137);
        _containers = [exited];
        Assert.Empty(Heartbeat()); // 137 alone is a stop

        _containers = [exited with { OomKilled = true }];
        var fired = Assert.Single(Heartbeat());
        Assert.Equal(new AlertKey(ServerId, AlertKind.ContainerOomKilled, "hog"), fired.Key);
        Assert.Equal("container hog (hog:1) was killed for running out of memory (exit code 137)", fired.Summary);
        Assert.Empty(Heartbeat());

        // A stop already seen as a stop stays one.
        _containers = [Running("web")];
        Heartbeat();
        _containers = [Exited("web", 137)];
        Assert.Empty(Heartbeat());
        Assert.Empty(Heartbeat());
    }

    [Fact]
    public void Unhealthy_fires_after_its_duration()
    {
        _containers = [Running("api") with { Health = "unhealthy" }];
        Assert.Empty(Heartbeat());
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        Assert.Equal(AlertKind.ContainerUnhealthy, Assert.Single(Heartbeat(TimeSpan.FromMinutes(1))).Key.Kind);
        _containers = [Running("api") with { Health = "healthy" }];
        Assert.False(Assert.Single(Heartbeat()).Firing);
    }

    [Fact]
    public void A_restart_loop_fires_once_not_per_restart_and_resolves_after_a_quiet_window()
    {
        var fired = new List<AlertTransition>();
        for (var restarts = 0; restarts < 12; restarts++)
        {
            _containers = [Running("loop") with { Status = restarts % 2 == 0 ? "restarting" : "running", RestartCount = restarts, ExitCode = 1 }];
            fired.AddRange(Heartbeat(TimeSpan.FromSeconds(10)));
        }

        var loop = Assert.Single(fired);
        Assert.Equal((new AlertKey(ServerId, AlertKind.ContainerRestartLoop, "loop"), true), (loop.Key, loop.Firing));

        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(9)));
        Assert.False(Assert.Single(Heartbeat(TimeSpan.FromMinutes(2))).Firing);
    }

    [Fact]
    public void A_container_first_seen_already_restarting_in_a_loop_fires_at_once_but_not_in_a_first_list_or_after_offline()
    {
        // In the server's first list: when its 5 restarts happened is unknown.
        _containers = [Running("old") with { Status = "restarting", RestartCount = 5, ExitCode = 1 }];
        Assert.Empty(Heartbeat());

        // New since the previous heartbeat: its 3 restarts all happened since then.
        _containers = [.. _containers, Running("loop") with { Status = "restarting", RestartCount = 3, ExitCode = 1 }];
        var loop = Assert.Single(Heartbeat(TimeSpan.FromSeconds(5)));
        Assert.Equal((new AlertKey(ServerId, AlertKind.ContainerRestartLoop, "loop"), true), (loop.Key, loop.Firing));
        Assert.StartsWith("container loop (loop:1) restarted 3 times within 10 min (restart count 3)", loop.Summary, StringComparison.Ordinal);

        // Back from offline with a container that is new to the panel: its restarts may be from any time while it was away.
        Assert.Equal(AlertKind.ServerOffline, Assert.Single(QuietFor(TimeSpan.FromMinutes(4))).Key.Kind);
        _containers = [.. _containers, Running("later") with { Status = "restarting", RestartCount = 4, ExitCode = 1 }];
        Assert.Equal([(AlertKind.ServerOffline, false)], Heartbeat().Select(Kind));
    }

    [Fact]
    public void A_restart_loop_follows_its_settings_two_restarts_within_one_minute()
    {
        _rules = new AlertRuleSettings { RestartLoopRestarts = 2, RestartLoopWindowSeconds = 60 }.Apply(new AlertRules());
        _containers = [Running("loop") with { RestartCount = 0 }];
        Heartbeat();

        // Two restarts 61 s apart: each has left the window before the next, so no loop.
        _containers = [Running("loop") with { RestartCount = 1 }];
        Assert.Empty(Heartbeat(TimeSpan.FromSeconds(10)));
        _containers = [Running("loop") with { RestartCount = 2 }];
        Assert.Empty(Heartbeat(TimeSpan.FromSeconds(61)));

        // The next within 60 s of that one is the second in the window: it fires (the default needs 3 within 10 min).
        _containers = [Running("loop") with { RestartCount = 3 }];
        var loop = Assert.Single(Heartbeat(TimeSpan.FromSeconds(50)));
        Assert.Equal((AlertKind.ContainerRestartLoop, true), (loop.Key.Kind, loop.Firing));
        Assert.StartsWith("container loop (loop:1) restarted 2 times within 60 s", loop.Summary, StringComparison.Ordinal);

        // Quiet for a whole window: resolved.
        Assert.Empty(Heartbeat(TimeSpan.FromSeconds(30)));
        Assert.False(Assert.Single(Heartbeat(TimeSpan.FromSeconds(31))).Firing);
    }

    [Fact]
    public void An_agent_not_at_its_target_version_fires_after_an_hour_and_resolves_once_updated()
    {
        Heartbeat();
        _targetVersion = "1.1.0";
        for (var minute = 0; minute < 60; minute++)
        {
            Assert.Empty(Heartbeat());
        }

        var behind = Assert.Single(Heartbeat());
        Assert.Equal((AlertKind.AgentBehind, true), (behind.Key.Kind, behind.Firing));
        Assert.StartsWith("agent 1.0.0 is not at the target version 1.1.0 after 60 min", behind.Summary, StringComparison.Ordinal);
        Assert.Empty(Heartbeat());

        _agentVersion = "1.1.0";
        var updated = Assert.Single(Heartbeat());
        Assert.Equal((AlertKind.AgentBehind, false, "agent at the target version 1.1.0"), (updated.Key.Kind, updated.Firing, updated.Summary));
    }

    [Fact]
    public void An_update_inside_the_hour_or_no_target_or_no_reported_version_sends_nothing()
    {
        _targetVersion = "1.1.0";
        Heartbeat();
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(50)));
        _agentVersion = "1.1.0";
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(20)));

        _targetVersion = null;
        _agentVersion = "0.9.0";
        Assert.Empty(Heartbeat(TimeSpan.FromHours(2)));
        _targetVersion = "1.1.0";
        _agentVersion = null;
        Assert.Empty(Heartbeat(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_clock_skew_fires_held_for_five_minutes_either_way_and_resolves_at_half_the_limit()
    {
        _clockSkew = 90;
        Heartbeat();
        for (var minute = 0; minute < 4; minute++)
        {
            Assert.Empty(Heartbeat());
        }

        var skewed = Assert.Single(Heartbeat());
        Assert.Equal((AlertKind.ClockSkew, true), (skewed.Key.Kind, skewed.Firing));
        Assert.StartsWith("the server's clock is 90 s behind the panel's (more than 60 s for 5 min)", skewed.Summary, StringComparison.Ordinal);

        // Hysteresis: 31 s off is under the limit but not yet back; 30 is.
        _clockSkew = -31;
        Assert.Empty(Heartbeat());
        _clockSkew = 30;
        Assert.False(Assert.Single(Heartbeat()).Firing);

        // Ahead of the panel, with a tighter limit; a single late answer (one heartbeat off) fires nothing.
        _rules = new AlertRuleSettings { ClockSkewSeconds = 10 }.Apply(new AlertRules());
        _clockSkew = -70;
        Assert.Empty(Heartbeat());
        _clockSkew = 0;
        Assert.Empty(Heartbeat());
        _clockSkew = -11;
        for (var minute = 0; minute < 5; minute++)
        {
            Assert.Empty(Heartbeat());
        }

        var ahead = Assert.Single(Heartbeat());
        Assert.StartsWith("the server's clock is 11 s ahead of the panel's (more than 10 s", ahead.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Three_refused_tokens_within_fifteen_minutes_fire_once_even_offline_and_a_quiet_window_resolves()
    {
        Heartbeat();
        _tokenFailures.Add(_time.GetUtcNow());
        Assert.Empty(Tokens(QuietFor(TimeSpan.FromMinutes(7))));
        _tokenFailures.Add(_time.GetUtcNow());
        Assert.Empty(Tokens(QuietFor(TimeSpan.FromMinutes(7))));

        // The first has left the window when the third comes 16 min after it: two in the window, no alert.
        Assert.Empty(Tokens(QuietFor(TimeSpan.FromMinutes(2))));
        _tokenFailures.Add(_time.GetUtcNow());
        Assert.Empty(Tokens(QuietFor(TimeSpan.FromSeconds(1))));

        // A fourth: three within 15 min, while the server is offline (its agent cannot get through).
        _tokenFailures.Add(_time.GetUtcNow());
        var fired = Assert.Single(Tokens(QuietFor(TimeSpan.FromSeconds(1))));
        Assert.True(fired.Firing);
        Assert.StartsWith("3 heartbeats naming this server were refused for their token within 15 min", fired.Summary, StringComparison.Ordinal);
        Assert.Contains(_state.Firing.Keys, k => k.Kind == AlertKind.ServerOffline);

        Assert.Empty(QuietFor(TimeSpan.FromMinutes(14)));
        var resolved = Assert.Single(QuietFor(TimeSpan.FromMinutes(2)));
        Assert.Equal((AlertKind.TokenFailures, false), (resolved.Key.Kind, resolved.Firing));
    }

    private static IEnumerable<AlertTransition> Tokens(IReadOnlyList<AlertTransition> transitions) =>
        transitions.Where(t => t.Key.Kind == AlertKind.TokenFailures);

    [Theory]
    [InlineData("""{"server_id":"01JABCDEF","timestamp":"2026""", "01JABCDEF")]
    [InlineData("""{"metrics":{"server_id":"nested","load_average":[1,2]},"containers":[{"id":"x"}],"server_id":"after-nesting"}""", "after-nesting")]
    [InlineData("""{"timestamp":"2026-01-15T10:30:00Z","metrics":{"cpu_percent":1""", null)]
    [InlineData("""{"server_id":42}""", null)]
    [InlineData("""{"server_id":"with space"}""", null)]
    [InlineData("""{"server_id":"bell"}""", null)]
    [InlineData("""{"server_id":""}""", null)]
    [InlineData("""["server_id","x"]""", null)]
    [InlineData("""not json""", null)]
    [InlineData("", null)]
    public void A_refused_heartbeats_server_is_read_from_the_start_of_its_body(string body, string? serverId) =>
        Assert.Equal(serverId, TokenFailures.ServerId(System.Text.Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void A_running_container_that_disappears_alerts_and_a_removed_stopped_one_does_not()
    {
        _containers = [Running("web"), Exited("done", 0)];
        Heartbeat();
        _containers = [];

        var gone = Assert.Single(Heartbeat());
        Assert.Equal(new AlertKey(ServerId, AlertKind.ContainerDisappeared, "web"), gone.Key);

        _containers = [Running("web")];
        Assert.False(Assert.Single(Heartbeat()).Firing);
    }

    [Fact]
    public void Docker_unavailable_keeps_the_container_state()
    {
        _containers = [Running("web")];
        Heartbeat();
        _containers = null;
        Assert.Empty(Heartbeat());
        _containers = [Running("web")];
        Assert.Empty(Heartbeat());
    }

    [Fact]
    public void Load_fires_above_cores_times_the_factor_held_for_its_duration_and_resolves_below_nine_tenths_of_it()
    {
        // 4 cores × 2 = 8.
        _metrics = _metrics with { LoadAverage = [8.5, 6, 4] };
        for (var minute = 0; minute < 5; minute++)
        {
            Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        }

        var fired = Assert.Single(Heartbeat(TimeSpan.FromMinutes(1)));
        Assert.Equal((AlertKind.LoadHigh, true), (fired.Key.Kind, fired.Firing));
        Assert.Equal("load 8.5 above 8 (4 cores × 2) for 5 min", fired.Summary);

        _metrics = _metrics with { LoadAverage = [7.5, 6, 4] };
        Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        _metrics = _metrics with { LoadAverage = [7.1, 6, 4] };
        Assert.Equal((AlertKind.LoadHigh, false), Kind(Assert.Single(Heartbeat(TimeSpan.FromMinutes(1)))));
    }

    [Fact]
    public void Load_without_known_cores_is_not_judged()
    {
        _cpuCores = null;
        _metrics = _metrics with { LoadAverage = [100, 100, 100] };
        for (var minute = 0; minute < 10; minute++)
        {
            Assert.Empty(Heartbeat(TimeSpan.FromMinutes(1)));
        }
    }

    [Fact]
    public void Each_threshold_has_its_own_level_and_duration()
    {
        _rules = new AlertRuleSettings { CpuPercent = 50, CpuForSeconds = 0, RamPercent = 20, RamForSeconds = 120 }.Apply(new AlertRules());
        _metrics = _metrics with { CpuPercent = 55 };

        // RAM is at 25 %: pending from the first heartbeat, firing two minutes later.
        Assert.Equal((AlertKind.CpuHigh, true), Kind(Assert.Single(Heartbeat())));
        Assert.Empty(Heartbeat());
        Assert.Equal((AlertKind.RamHigh, true), Kind(Assert.Single(Heartbeat())));
    }

    [Fact]
    public void A_rule_switched_off_does_not_fire_and_one_firing_resolves()
    {
        _containers = [Running("web")];
        Heartbeat();
        _containers = [Exited("web", 1)];
        Assert.Equal((AlertKind.ContainerExited, true), Kind(Assert.Single(Heartbeat())));

        _rules = new AlertRuleSettings { ContainerExited = false, ServerOffline = false }.Apply(_rules);
        var resolved = Assert.Single(Heartbeat());
        Assert.Equal((AlertKind.ContainerExited, false), Kind(resolved));
        Assert.Equal("its rule was switched off", resolved.Summary);

        _containers = [Running("web")];
        Heartbeat();
        _containers = [Exited("web", 1)];
        Assert.Empty(Heartbeat());
        Assert.Empty(QuietFor(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void The_offline_grace_is_the_number_of_intervals_set()
    {
        _rules = new AlertRuleSettings { OfflineAfterIntervals = 5 }.Apply(_rules);
        Heartbeat();
        Assert.Empty(QuietFor(TimeSpan.FromMinutes(5)));
        Assert.Equal((AlertKind.ServerOffline, true), Kind(Assert.Single(QuietFor(TimeSpan.FromSeconds(1)))));
    }

    [Fact]
    public void Settings_replace_field_by_field_and_a_server_can_switch_back_on_what_the_panel_switched_off()
    {
        var panel = new AlertRuleSettings { CpuPercent = 70, CpuHigh = false, RepeatEverySeconds = 3600 };
        var server = new AlertRuleSettings { CpuHigh = true, RamPercent = 60, RepeatEverySeconds = 0 };

        var rules = server.Apply(panel.Apply(new AlertRules()));

        Assert.True(rules.Enabled(AlertKind.CpuHigh));
        Assert.Equal((70, 60, 90), (rules.CpuPercent, rules.RamPercent, rules.DiskPercent));
        Assert.Null(rules.RepeatEvery);
        Assert.Equal(TimeSpan.FromHours(1), panel.Apply(new AlertRules()).RepeatEvery);
        Assert.False(panel.Apply(new AlertRules()).Enabled(AlertKind.CpuHigh));
    }

    [Fact]
    public void Every_alert_kind_can_be_switched_off()
    {
        var shown = AlertRuleSettings.Of(new AlertRules { Disabled = [.. Enum.GetValues<AlertKind>()] });
        var off = System.Text.Json.JsonSerializer.SerializeToElement(shown, UPanel.Panel.Api.PanelJsonContext.Default.AlertRuleSettings);

        Assert.All(Enum.GetValues<AlertKind>(), kind => Assert.False(off.GetProperty(AlertNames.Of(kind)).GetBoolean()));
        Assert.Equal(Enum.GetValues<AlertKind>().ToHashSet(), shown.Apply(new AlertRules()).Disabled);
    }

    [Fact]
    public void The_previous_state_is_not_changed()
    {
        _containers = [Running("web")];
        Heartbeat();
        var before = _state;
        _containers = [Exited("web", 1)];
        Heartbeat();
        Assert.Empty(before.Firing);
        Assert.Equal("running", before.Containers!["web"].Status);
    }

    [Fact]
    public void Containers_whose_cpu_memory_and_uptime_changed_leave_the_stored_state_as_it_was()
    {
        // The state is written back only when its JSON changes: figures that change every heartbeat must not be in it.
        _containers = [Running("web") with { CpuPercent = 1.5, MemoryMb = 100, UptimeSeconds = 60, RestartCount = 2 }];
        Heartbeat();
        var first = AlertStateJson.Write(_state);
        _containers = [Running("web") with { CpuPercent = 87.25, MemoryMb = 950, UptimeSeconds = 120, RestartCount = 2 }];
        Heartbeat();

        Assert.Equal(first, AlertStateJson.Write(_state));
        var web = _state.Containers!["web"];
        Assert.Equal(("running", "web:1", 2, 0.0, 0L, (long?)null), (web.Status, web.Image, web.RestartCount, web.CpuPercent, web.MemoryMb, web.UptimeSeconds));

        // What the rules do read still changes it.
        _containers = [Running("web") with { Status = "exited", ExitCode = 0, FinishedAt = _time.GetUtcNow(), RestartCount = 2 }];
        Heartbeat();
        Assert.NotEqual(first, AlertStateJson.Write(_state));
        Assert.Equal("exited", _state.Containers!["web"].Status);
    }

    private static (AlertKind, bool) Kind(AlertTransition transition) => (transition.Key.Kind, transition.Firing);

    /// <summary>Six hours of samples, every 10 minutes, growing <paramref name="gbPerHour"/> up to <paramref name="usedNow"/> of 100 GB.</summary>
    private List<DiskSample> Trend(double gbPerHour, double usedNow) =>
        Enumerable.Range(0, 37)
            .Select(i => new DiskSample(_time.GetUtcNow() - TimeSpan.FromMinutes(10 * (36 - i)), usedNow - gbPerHour * (36 - i) / 6.0, 100))
            .ToList();

    private static ContainerInfo Running(string name) => new()
    {
        Id = name + "-id", Name = name, Image = name + ":1", Status = "running", Health = "none", RestartCount = 0,
    };

    private ContainerInfo Exited(string name, int exitCode) => Running(name) with
    {
        Status = "exited",
        ExitCode = exitCode,
        OomKilled = false,
        FinishedAt = _time.GetUtcNow(),
    };

    private IReadOnlyList<AlertTransition> Heartbeat(TimeSpan? after = null)
    {
        _time.Advance(after ?? Interval);
        _lastSeen = _time.GetUtcNow();
        return Evaluate(Interval);
    }

    private IReadOnlyList<AlertTransition> QuietFor(TimeSpan span, TimeSpan? interval = null)
    {
        _time.Advance(span);
        return Evaluate(interval ?? Interval);
    }

    private IReadOnlyList<AlertTransition> Evaluate(TimeSpan interval)
    {
        var snapshot = new ServerSnapshot
        {
            ServerId = ServerId, Interval = interval, CpuCores = _cpuCores, LastSeenAt = _lastSeen, Metrics = _metrics, Containers = _containers,
            DiskTrend = DiskSample.Trend(_diskHistory, _rules.DiskForecastWindow, _time.GetUtcNow()), AgentVersion = _agentVersion, TargetAgentVersion = _targetVersion, ClockSkewSeconds = _clockSkew,
            TokenFailures = _tokenFailures,
        };
        (_state, var transitions) = AlertEvaluator.Evaluate(_state, snapshot, _rules, _time.GetUtcNow());
        return transitions;
    }
}
