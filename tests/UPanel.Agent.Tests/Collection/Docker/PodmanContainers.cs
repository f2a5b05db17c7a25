using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// Real Podman containers in the states the agent must report, created through the Podman API service that
/// scripts/services.sh starts (UPANEL_TEST_PODMAN_SOCKET), collected twice by <see cref="DockerContainerSource"/>
/// pointed at that socket ≈ 1 s apart, and removed afterwards. Podman runs healthchecks from systemd timers, which a
/// host without systemd does not have, so the checks are run by hand (<c>podman healthcheck run</c>) between the two
/// collections: the first sees every health "starting", the second must see what the checks made of it.
/// </summary>
public sealed class PodmanContainers : IAsyncLifetime
{
    private readonly string _prefix = $"upt-{Guid.NewGuid().ToString("N")[..6]}-";
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);

    /// <summary>False when no Podman API runs here (the tests then skip or, in CI, fail through RequiredServices).</summary>
    public bool Available { get; private set; }

    internal DockerEndpoint Endpoint { get; private set; } = DockerEndpoint.Default;

    internal EngineCli Podman { get; private set; } = null!;

    /// <summary>The first collection, before the healthchecks ran.</summary>
    public IReadOnlyList<ContainerInfo> FirstCollected { get; private set; } = [];

    /// <summary>The second collection: CPU is a delta over ≈ 1 s of steady state; health after the checks ran.</summary>
    public IReadOnlyList<ContainerInfo> Collected { get; private set; } = [];

    /// <summary>The due times of the waits the first collection made (the CPU baseline among them).</summary>
    public IReadOnlyList<TimeSpan> FirstCollectionWaits { get; private set; } = [];

    internal DockerContainerSource Source { get; private set; } = null!;

    /// <inheritdoc cref="TestContainers.BusyProcessCpuPercent"/>
    public (double Lowest, double Highest) BusyProcessCpuPercent { get; private set; }

    /// <summary>The busy loop's process, to read its CPU time from /proc over a test's own window.</summary>
    public int BusyPid { get; private set; }

    /// <summary>What <c>podman stats --no-stream</c> showed right after the second collection, by full id: CPU % (Podman's
    /// is the average since the container started) and memory in MiB.</summary>
    public IReadOnlyDictionary<string, (double CpuPercent, double MemoryMiB)> EngineStats { get; private set; } =
        new Dictionary<string, (double, double)>();

    /// <summary>The source's clock just before and just after the second collection (<see cref="Collected"/>).</summary>
    public DateTimeOffset CollectedFrom { get; private set; }

    /// <inheritdoc cref="CollectedFrom"/>
    public DateTimeOffset CollectedUntil { get; private set; }

    public string IdOf(string role) => _ids[role];

    public string NameOf(string role) => _prefix + role;

    public ContainerInfo Reported(string role) => Find(Collected, role);

    public ContainerInfo FirstReported(string role) => Find(FirstCollected, role);

    public async ValueTask InitializeAsync()
    {
        if (RequiredServices.PodmanSocket is not { } socket)
        {
            return;
        }

        Available = true;
        Endpoint = DockerEndpoint.Unix(socket);
        Podman = new EngineCli("podman", "--url", Endpoint.Host);
        var never = new[] { "--health-interval", "300s" }; // no timer fires during the tests, on hosts with systemd either
        var specs = new (string Role, string[] Options, string[] Command)[]
        {
            ("running", [], ["sleep", "3600"]),
            ("exited", [], ["sh", "-c", "exit 3"]),
            ("healthy", ["--health-cmd", "true", .. never], ["sleep", "3600"]),
            ("unhealthy", ["--health-cmd", "false", "--health-retries", "1", .. never], ["sleep", "3600"]),
            ("starting", ["--health-cmd", "true", .. never], ["sleep", "3600"]),
            ("paused", [], ["sleep", "3600"]),
            ("busy", [], ["sh", "-c", "while :; do :; done"]),
            // tmpfs pages are charged to the container as shmem (not file cache): a fixed, exact 64 MiB held while it sleeps.
            ("memory", ["--tmpfs", "/data:size=100m"], ["sh", "-c", "dd if=/dev/zero of=/data/fill bs=1M count=64 2>/dev/null; echo >/data/filled; exec sleep 3600"]),
        };
        var started = await Task.WhenAll(specs.Select(async s => (s.Role, Id: await Podman.StartAsync(NameOf(s.Role), s.Options, s.Command))));
        foreach (var (role, id) in started)
        {
            _ids[role] = id;
        }

        _ids["created"] = await Podman.RunAsync(
            "create", "--network", "none", "--label", DockerCli.Label, "--name", NameOf("created"), DockerCli.Image, "true");
        var oneMinute = TimeSpan.FromSeconds(60);
        await Task.WhenAll(
            Podman.WaitForAsync(_ids["exited"], "{{.State.Status}}", s => s == "exited", oneMinute),
            Podman.WaitForFileAsync(_ids["memory"], "/data/filled", oneMinute), // the dd has written its 64 MiB
            Podman.RunAsync("pause", _ids["paused"]));

        var time = new TimerRecordingTimeProvider();
        Source = new DockerContainerSource(
            Endpoint, new HostFiles("/proc", "/sys", "/"), NullLogger.Instance, time,
            RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);

        BusyPid = int.Parse(await Podman.InspectAsync(_ids["busy"], "{{.State.Pid}}"), CultureInfo.InvariantCulture);
        var trace = new BusyTrace(BusyPid);
        var firstFrom = trace.Mark();
        FirstCollected = await Source.CollectAsync(CancellationToken.None) ?? throw new InvalidOperationException(Source.Status);
        var firstUntil = trace.Mark();
        FirstCollectionWaits = time.DueTimes;

        // `healthcheck run` exits 1 when the check fails: that is the point for the unhealthy one.
        await Task.WhenAll(
            Podman.RunAsync("healthcheck", "run", _ids["healthy"]),
            Assert.ThrowsAsync<InvalidOperationException>(() => Podman.RunAsync("healthcheck", "run", _ids["unhealthy"])),
            Task.Delay(TimeSpan.FromSeconds(1)));
        CollectedFrom = time.GetUtcNow();
        var secondFrom = trace.Mark();
        Collected = await Source.CollectAsync(CancellationToken.None) ?? throw new InvalidOperationException(Source.Status);
        var secondUntil = trace.Mark();
        CollectedUntil = time.GetUtcNow();
        BusyProcessCpuPercent = await trace.StopAsync(firstFrom, firstUntil, secondFrom, secondUntil);
        EngineStats = await PodmanStatsAsync(_ids["busy"], _ids["memory"]);
    }

    public async ValueTask DisposeAsync()
    {
        Source?.Dispose();
        if (Available)
        {
            // -t 0: Podman's rm -f first asks the container to stop and waits 10 s (sleep as PID 1 ignores SIGTERM).
            await Podman.RunAsync(["rm", "-f", "-t", "0", "-v", .. _ids.Values]);
        }
    }

    private ContainerInfo Find(IReadOnlyList<ContainerInfo> collection, string role) =>
        collection.SingleOrDefault(c => c.Name == NameOf(role))
        ?? throw new Xunit.Sdk.XunitException($"container {NameOf(role)} missing from the collection");

    private async Task<IReadOnlyDictionary<string, (double CpuPercent, double MemoryMiB)>> PodmanStatsAsync(params string[] ids)
    {
        // The raw figures (CPU as a float, memory in bytes) rather than the rounded text of the default columns.
        var output = await Podman.RunAsync(
            ["stats", "--no-stream", "--format", "{{.ContainerStats.ContainerID}}|{{.ContainerStats.CPU}}|{{.ContainerStats.MemUsage}}", .. ids]);
        var result = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('|');
            result[parts[0]] = (
                double.Parse(parts[1], CultureInfo.InvariantCulture),
                double.Parse(parts[2], CultureInfo.InvariantCulture) / (1024 * 1024));
        }

        return result;
    }
}
