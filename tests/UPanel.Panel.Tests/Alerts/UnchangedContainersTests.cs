using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using UPanel.Contracts;
using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// A heartbeat whose containers are all as before, with nothing firing, pending or restarting for any, skips their
/// checks (docs/decisions/ingest-throughput.md, ninth pass): it must give what checking each container gives.
/// </summary>
public sealed class UnchangedContainersTests
{
    private const string ServerId = "srv1";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
    private static readonly HashSet<string> Figures = [nameof(ContainerInfo.CpuPercent), nameof(ContainerInfo.MemoryMb), nameof(ContainerInfo.UptimeSeconds)];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero));
    private ServerAlertState _state = ServerAlertState.Empty;

    [Fact]
    public void Same_judged_is_the_records_equality_of_the_judged_copies_for_a_change_of_each_field()
    {
        var container = new ContainerInfo
        {
            Id = "id", Name = "web", Image = "web:1", Status = "exited", Health = "healthy", UptimeSeconds = 10, CpuPercent = 1.5,
            MemoryMb = 20, RestartCount = 1, ExitCode = 1, OomKilled = false, FinishedAt = _time.GetUtcNow(),
        };
        var judged = AlertEvaluator.Judged(container);
        Assert.True(AlertEvaluator.SameJudged(container, judged));

        // Every property, the ones added later too: each but the three figures makes it another container.
        var properties = typeof(ContainerInfo).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.Equal(12, properties.Length);
        foreach (var property in properties)
        {
            var changed = container with { };
            property.SetValue(changed, Other(property.PropertyType, property.GetValue(container)));
            var expected = AlertEvaluator.Judged(changed) == judged;
            Assert.Equal(expected, AlertEvaluator.SameJudged(changed, judged));
            Assert.Equal(Figures.Contains(property.Name), expected);
        }

        // Compared with a state that kept a figure (an older state, a hand-made one): not the judged copy.
        Assert.False(AlertEvaluator.SameJudged(container, judged with { CpuPercent = 1 }));
        Assert.False(AlertEvaluator.SameJudged(container, judged with { MemoryMb = 1 }));
        Assert.False(AlertEvaluator.SameJudged(container, judged with { UptimeSeconds = 1 }));
        Assert.True(AlertEvaluator.SameJudged(container with { FinishedAt = container.FinishedAt!.Value.ToOffset(TimeSpan.FromHours(2)) }, judged));
    }

    [Fact]
    public void Unchanged_containers_keep_the_state_and_what_changes_next_is_still_caught()
    {
        var rules = new AlertRules();
        List<ContainerInfo> containers = [Running("web"), Running("db"), Running("api")];
        Heartbeat(containers, rules);
        var known = _state.Containers;
        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(Heartbeat([.. containers.Select(c => c with { CpuPercent = i, MemoryMb = 10 * i, UptimeSeconds = 60 * i })], rules));
            Assert.Same(known, _state.Containers);
        }

        // Restarting: three restarts within the window fire the loop, as on the full path.
        var fired = new List<AlertTransition>();
        for (var restarts = 1; restarts <= 3; restarts++)
        {
            containers[0] = containers[0] with { RestartCount = restarts };
            fired.AddRange(Heartbeat(containers, rules, TimeSpan.FromSeconds(10)));
        }

        var loop = Assert.Single(fired);
        Assert.Equal((new AlertKey(ServerId, AlertKind.ContainerRestartLoop, "web"), true), (loop.Key, loop.Firing));

        // Unhealthy on a list otherwise unchanged: held, then fired after its two minutes.
        containers[1] = containers[1] with { Health = "unhealthy" };
        Assert.Empty(Heartbeat(containers, rules));
        Assert.Empty(Heartbeat(containers, rules));
        var unhealthy = Assert.Single(Heartbeat(containers, rules));
        Assert.Equal((new AlertKey(ServerId, AlertKind.ContainerUnhealthy, "db"), true), (unhealthy.Key, unhealthy.Firing));

        // Gone, and a failed exit.
        containers.RemoveAt(1);
        Assert.Equal(
            new[] { (AlertKind.ContainerUnhealthy, false), (AlertKind.ContainerDisappeared, true) }.Order(),
            Heartbeat(containers, rules).Select(t => (t.Key.Kind, t.Firing)).Order());
        containers[1] = containers[1] with { Status = "exited", ExitCode = 3, FinishedAt = _time.GetUtcNow() };
        var exited = Assert.Single(Heartbeat(containers, rules));
        Assert.Equal((new AlertKey(ServerId, AlertKind.ContainerExited, "api"), true), (exited.Key, exited.Firing));
    }

    [Fact]
    public void A_rule_switched_back_on_judges_containers_that_did_not_change()
    {
        var off = new AlertRuleSettings { ContainerUnhealthy = false, ContainerRestartLoop = false }.Apply(new AlertRules());
        List<ContainerInfo> containers = [Running("web") with { Health = "unhealthy" }, Running("db")];
        Heartbeat(containers, off);
        Assert.Empty(Heartbeat(containers, off));
        Assert.Empty(_state.Pending);

        // Unhealthy all along: held from the first evaluation with the rule on, fired after its two minutes.
        Assert.Empty(Heartbeat(containers, new AlertRules()));
        Assert.Equal([new AlertKey(ServerId, AlertKind.ContainerUnhealthy, "web")], _state.Pending.Keys);
        Assert.Empty(Heartbeat(containers, new AlertRules()));
        var fired = Assert.Single(Heartbeat(containers, new AlertRules()));
        Assert.Equal((new AlertKey(ServerId, AlertKind.ContainerUnhealthy, "web"), true), (fired.Key, fired.Firing));

        // A restart loop that needs no restart (the API allows 2 to 100): every container is in one, as on the full path.
        _state = ServerAlertState.Empty;
        containers = [Running("web"), Running("db")];
        Heartbeat(containers, off);
        Heartbeat(containers, off);
        Assert.Equal(
            ["db", "web"],
            Heartbeat(containers, new AlertRules { RestartLoopRestarts = 0 }).Where(t => t.Key.Kind == AlertKind.ContainerRestartLoop).Select(t => t.Key.Container).Order());
    }

    [Fact]
    public void Skipping_unchanged_containers_gives_what_checking_each_gives_over_random_heartbeats()
    {
        var random = new Random(1313);
        AlertRules[] ruleSets =
        [
            new AlertRules(),
            new AlertRuleSettings { RestartLoopRestarts = 2, RestartLoopWindowSeconds = 60, UnhealthyForSeconds = 0 }.Apply(new AlertRules()),
            new AlertRuleSettings { ContainerUnhealthy = false, ContainerRestartLoop = false, ContainerDisappeared = false }.Apply(new AlertRules()),
        ];
        string[] statuses = ["running", "running", "running", "exited", "dead", "restarting", "created"];
        string?[] healths = [null, "none", "healthy", "healthy", "unhealthy", "starting"];
        var fast = ServerAlertState.Empty;
        var full = ServerAlertState.Empty;
        var lastSeen = _time.GetUtcNow();
        List<ContainerInfo> containers = [.. Enumerable.Range(0, 6).Select(i => Running($"c{i}"))];
        int skipped = 0, steps = 4000;
        for (var step = 0; step < steps; step++)
        {
            var rules = ruleSets[step / 37 % ruleSets.Length];

            // Mostly nothing but the figures changes; now and then one field of one container, one comes or goes, a
            // duplicate name, Docker away, or a gap long enough to be offline; every 60 heartbeats all run again, once each.
            var roll = random.Next(200);
            if (step % 60 == 0)
            {
                containers = [.. containers.DistinctBy(c => c.Name).Select(c => c with { Status = "running", Health = "healthy", ExitCode = null, OomKilled = null, FinishedAt = null })];
            }

            var index = random.Next(containers.Count);
            var at = containers[index];
            containers[index] = roll switch
            {
                < 4 => at with { Status = statuses[random.Next(statuses.Length)], FinishedAt = _time.GetUtcNow(), ExitCode = random.Next(3) == 0 ? 137 : random.Next(2) },
                < 8 => at with { Health = healths[random.Next(healths.Length)] },
                < 12 => at with { RestartCount = (at.RestartCount ?? 0) + 1 },
                < 13 => at with { OomKilled = random.Next(2) == 0 },
                < 14 => at with { RestartCount = null },
                < 15 => at with { Image = "other:2", Id = $"id{step}" },
                _ => at,
            };
            if (roll is 20 && containers.Count < 9)
            {
                containers.Add(Running($"c{random.Next(12)}") with { Status = statuses[random.Next(statuses.Length)], RestartCount = random.Next(4) });
            }
            else if (roll is 21 && containers.Count > 1)
            {
                containers.RemoveAt(index);
            }

            var listed = roll is 22 ? null : containers.Select(c => c with { CpuPercent = random.Next(100), MemoryMb = random.Next(1000), UptimeSeconds = step }).ToList();
            var gap = roll is 23 ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(random.Next(5, 90));
            _time.Advance(gap);
            if (roll is not (23 or 24))
            {
                lastSeen = _time.GetUtcNow();
            }

            var snapshot = new ServerSnapshot
            {
                ServerId = ServerId, Interval = Interval, CpuCores = 4, LastSeenAt = lastSeen, Containers = listed,
                Metrics = new HostMetrics { CpuPercent = 10, RamUsedMb = 1, RamTotalMb = 4, DiskUsedGb = 1, DiskTotalGb = 100 },
            };
            var (nextFast, fastTransitions) = AlertEvaluator.Evaluate(fast, snapshot, rules, _time.GetUtcNow(), skipUnchanged: true);
            var (nextFull, fullTransitions) = AlertEvaluator.Evaluate(full, snapshot, rules, _time.GetUtcNow(), skipUnchanged: false);

            Assert.Equal(fullTransitions, fastTransitions);
            Assert.Equal(AlertStateJson.Write(nextFull), AlertStateJson.Write(nextFast));
            Assert.True(nextFast.SameAs(nextFull), $"step {step}");
            if (listed is not null && fast.Containers is not null && ReferenceEquals(nextFast.Containers, fast.Containers))
            {
                skipped++;
            }

            (fast, full) = (nextFast, nextFull);
        }

        // The comparison means something only if both paths were taken often.
        Assert.InRange(skipped, steps / 8, steps * 9 / 10);
    }

    private static ContainerInfo Running(string name) => new()
    {
        Id = name + "-id", Name = name, Image = name + ":1", Status = "running", Health = "none", RestartCount = 0,
    };

    private IReadOnlyList<AlertTransition> Heartbeat(List<ContainerInfo> containers, AlertRules rules, TimeSpan? after = null)
    {
        _time.Advance(after ?? Interval);
        var snapshot = new ServerSnapshot
        {
            ServerId = ServerId, Interval = Interval, CpuCores = 4, LastSeenAt = _time.GetUtcNow(), Containers = [.. containers],
        };
        (_state, var transitions) = AlertEvaluator.Evaluate(_state, snapshot, rules, _time.GetUtcNow());
        return transitions;
    }

    /// <summary>A value of <paramref name="type"/> other than <paramref name="value"/>.</summary>
    private static object Other(Type type, object? value)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(string) ? ((string?)value == "other" ? "another" : "other")
            : t == typeof(long) ? (value is 5L ? 6L : 5L)
            : t == typeof(int) ? (value is 5 ? 6 : 5)
            : t == typeof(double) ? (value is 5.0 ? 6.0 : 5.0)
            : t == typeof(bool) ? value is not true
            : t == typeof(DateTimeOffset) ? (value is DateTimeOffset at ? at.AddSeconds(1) : DateTimeOffset.UnixEpoch)
            : throw new InvalidOperationException($"no other value for {t}");
    }
}
