using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// One set of real containers in every state the agent must report, created once for the Docker tests (in parallel,
/// a few seconds), collected twice by <see cref="DockerContainerSource"/> ≈ 1 s apart, and removed afterwards.
/// </summary>
public sealed partial class TestContainers : IAsyncLifetime
{
    private readonly string _prefix = $"upt-{Guid.NewGuid().ToString("N")[..6]}-";
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);

    /// <summary>False when no engine runs here (the tests then skip or, in CI, fail through RequiredServices).</summary>
    public bool Available { get; private set; }

    /// <summary>The second collection: CPU is a delta over ≈ 1 s of steady state.</summary>
    public IReadOnlyList<ContainerInfo> Collected { get; private set; } = [];

    /// <summary>The due times of the waits the first collection made (the CPU baseline among them).</summary>
    public IReadOnlyList<TimeSpan> FirstCollectionWaits { get; private set; } = [];

    internal DockerContainerSource Source { get; private set; } = null!;

    public string IdOf(string role) => _ids[role];

    public string NameOf(string role) => _prefix + role;

    public ContainerInfo Reported(string role) =>
        Collected.SingleOrDefault(c => c.Name == NameOf(role))
        ?? throw new Xunit.Sdk.XunitException($"container {NameOf(role)} missing from the collection");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(RequiredServices.DockerSocket))
        {
            return;
        }

        Available = true;
        var specs = new (string Role, string[] Options, string[] Command)[]
        {
            ("running", [], ["sleep", "3600"]),
            ("exited", [], ["sh", "-c", "exit 3"]),
            ("healthy", ["--health-cmd", "true", "--health-interval", "1s"], ["sleep", "3600"]),
            ("unhealthy", ["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1"], ["sleep", "3600"]),
            ("starting", ["--health-cmd", "true", "--health-interval", "300s", "--health-start-period", "300s"], ["sleep", "3600"]),
            ("paused", [], ["sleep", "3600"]),
            ("restarting", ["--restart", "always"], ["sh", "-c", "exit 1"]),
            ("busy", [], ["sh", "-c", "while :; do :; done"]),
            // tmpfs pages are charged to the container as shmem (not file cache): a fixed, exact 64 MiB held while it sleeps.
            ("memory", ["--tmpfs", "/data:size=100m"], ["sh", "-c", "dd if=/dev/zero of=/data/fill bs=1M count=64 2>/dev/null; exec sleep 3600"]),
        };
        var started = await Task.WhenAll(specs.Select(async s => (s.Role, Id: await DockerCli.StartAsync(NameOf(s.Role), s.Options, s.Command))));
        foreach (var (role, id) in started)
        {
            _ids[role] = id;
        }

        _ids["created"] = await DockerCli.RunAsync(
            "create", "--network", "none", "--label", DockerCli.Label, "--name", NameOf("created"), DockerCli.Image, "true");

        var oneMinute = TimeSpan.FromSeconds(60);
        await Task.WhenAll(
            DockerCli.WaitForAsync(_ids["exited"], "{{.State.Status}}", s => s == "exited", oneMinute),
            DockerCli.WaitForAsync(_ids["healthy"], "{{.State.Health.Status}}", s => s == "healthy", oneMinute),
            DockerCli.WaitForAsync(_ids["unhealthy"], "{{.State.Health.Status}}", s => s == "unhealthy", oneMinute),
            // From the 4th restart on the engine waits ≥ 0.8 s between runs, so "restarting" is what it mostly shows.
            DockerCli.WaitForAsync(_ids["restarting"], "{{.RestartCount}}", s => int.Parse(s) >= 4, oneMinute),
            DockerCli.RunAsync("pause", _ids["paused"]));

        var time = new TimerRecordingTimeProvider();
        Source = new DockerContainerSource(
            DockerEndpoint.Default, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, time,
            RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);

        // docker stats runs over the same second as our two collections, so both see the same contention
        // (CI has 2 cores shared with other tests: the busy loop may not get a whole one).
        BusyPid = int.Parse(await DockerCli.InspectAsync(_ids["busy"], "{{.State.Pid}}"), CultureInfo.InvariantCulture);
        var stats = DockerStatsAsync(_ids["busy"], _ids["memory"]);
        // The kernel's own accounting of the busy loop's process, traced through both collections: our CPU delta runs
        // from a cgroup read inside the first to one inside the second, and what the loop gets on a saturated host
        // changes from one moment to the next.
        var trace = new BusyTrace(BusyPid);
        var firstFrom = trace.Mark();
        _ = await Source.CollectAsync(CancellationToken.None) ?? throw new InvalidOperationException(Source.Status);
        var firstUntil = trace.Mark();
        FirstCollectionWaits = time.DueTimes;

        await Task.Delay(TimeSpan.FromSeconds(1));
        CollectedFrom = time.GetUtcNow();
        var secondFrom = trace.Mark();
        Collected = await Source.CollectAsync(CancellationToken.None) ?? throw new InvalidOperationException(Source.Status);
        var secondUntil = trace.Mark();
        CollectedUntil = time.GetUtcNow();
        BusyProcessCpuPercent = await trace.StopAsync(firstFrom, firstUntil, secondFrom, secondUntil);
        EngineStats = await stats;
    }

    /// <summary>The source's clock just before and just after the second collection (<see cref="Collected"/>).</summary>
    public DateTimeOffset CollectedFrom { get; private set; }

    /// <inheritdoc cref="CollectedFrom"/>
    public DateTimeOffset CollectedUntil { get; private set; }

    /// <summary>
    /// CPU of the busy loop's process from /proc/PID/stat (100 = one core), least and most over any window from a moment
    /// inside the first collection to one inside the second (<see cref="BusyTrace"/>).
    /// </summary>
    public (double Lowest, double Highest) BusyProcessCpuPercent { get; private set; }

    /// <summary>The busy loop's process, to read its CPU time from /proc over a test's own window.</summary>
    public int BusyPid { get; private set; }

    /// <summary>What <c>docker stats --no-stream</c> showed for the busy and memory containers during the collections.</summary>
    public IReadOnlyDictionary<string, (double CpuPercent, double MemoryMiB)> EngineStats { get; private set; } =
        new Dictionary<string, (double, double)>();

    internal static long ProcessCpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyDictionary<string, (double CpuPercent, double MemoryMiB)>> DockerStatsAsync(params string[] ids)
    {
        var output = await DockerCli.RunAsync(["stats", "--no-stream", "--format", "{{.ID}}|{{.CPUPerc}}|{{.MemUsage}}", .. ids]);
        var result = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('|');
            var cpu = double.Parse(parts[1].TrimEnd('%'), CultureInfo.InvariantCulture);
            var match = MemoryUsage().Match(parts[2]);
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var memoryMiB = match.Groups[2].Value switch
            {
                "KiB" => value / 1024,
                "MiB" => value,
                "GiB" => value * 1024,
                _ => value / (1024 * 1024),
            };
            result[ids.Single(id => id.StartsWith(parts[0], StringComparison.Ordinal))] = (cpu, memoryMiB);
        }

        return result;
    }

    [GeneratedRegex(@"^\s*([\d.]+)\s*([KMG]iB|B)")]
    private static partial Regex MemoryUsage();

    public async ValueTask DisposeAsync()
    {
        Source?.Dispose();
        if (Available)
        {
            await DockerCli.RemoveAsync(_ids.Values);
        }
    }
}
