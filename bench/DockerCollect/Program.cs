// Per-heartbeat cost of the agent's Docker collection (DockerContainerSource.CollectAsync) against naive API
// approaches on the same containers: wall time, agent CPU, engine CPU (dockerd + containerd + shims).
// Usage: docker-collect-bench [heartbeats] [label]   (containers are made by bench/docker-collect.sh)
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

if (args.Length > 0 && args[0] == "loop")
{
    // `docker-collect-bench loop [collections]`: the agent's collection as `run` makes it (event stream live, on a
    // thread that may block, as the heartbeat loop's), back to back on the containers the engine has: CPU and bytes
    // allocated per collection, for a profiler to attach to (bench/docker-collect.sh --loop).
    // `loop N list`: without the event stream, so every collection asks the engine for the list (as `collect` does).
    return await LoopAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20000, args.Length > 2 && args[2] == "list");
}

var heartbeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var label = args.Length > 1 ? args[1] : "upanel-bench=1";
var dockerHost = DockerEndpoint.TryParse(Environment.GetEnvironmentVariable("DOCKER_HOST"), out var parsed, out var invalid)
    ? parsed!
    : throw new ArgumentException(invalid);
var sysRoot = Environment.GetEnvironmentVariable("HOST_SYS") ?? "/sys";

using var probe = new DockerApiClient(DockerEndpoint.Unix("/var/run/docker.sock"));
var all = await probe.ListContainersAsync(default);
var running = all.Where(c => c.State == "running").ToList();
Console.WriteLine($"engine API {await probe.NegotiateAsync(default)}, {all.Count} containers ({running.Count} running); heartbeats per approach: {heartbeats}");
var idleBefore = EngineCpu.Total();
await Task.Delay(3000);
var idleRate = (EngineCpu.Total() - idleBefore).TotalMilliseconds / 3.0;
Console.WriteLine($"engine idle CPU: {idleRate:F1} ms/s (counted in the engine figures below for the time each call takes)");

var results = new List<(string Name, double Wall, double Agent, double Engine)>();

// 1. The agent as `run` has it: event stream open, so a quiet engine is not even listed; cgroup files for stats.
using (var source = new DockerContainerSource(dockerHost, new HostFiles("/proc", sysRoot, "/"), NullLogger.Instance,
    TimeProvider.System, DockerContainerSource.DefaultCollectTimeout, DockerContainerSource.DefaultCpuBaseline))
{
    using var stop = new CancellationTokenSource();
    var changes = 0;
    var watcher = new DockerEventWatcher(source, () => Interlocked.Increment(ref changes), NullLogger.Instance, TimeProvider.System);
    var watching = watcher.RunAsync(stop.Token);
    while (!watcher.IsConnected)
    {
        await Task.Delay(10);
    }

    results.Add(await MeasureAsync("agent (events live, cgroup files)", async () => (await source.CollectAsync(default))?.Count ?? -1));
    Console.WriteLine($"  stats source: {source.StatsSource}; changes signalled by events: {Volatile.Read(ref changes)}");
    await stop.CancelAsync();
    try
    {
        await watching;
    }
    catch (OperationCanceledException)
    {
    }
}

// 2. The agent without the event stream (e.g. `collect`): list each heartbeat, inspect only what changed.
using (var source = new DockerContainerSource(dockerHost, new HostFiles("/proc", sysRoot, "/"), NullLogger.Instance,
    TimeProvider.System, DockerContainerSource.DefaultCollectTimeout, DockerContainerSource.DefaultCpuBaseline))
{
    results.Add(await MeasureAsync("agent (no events, cgroup files)", async () => (await source.CollectAsync(default))?.Count ?? -1));
}

// 3. The agent where cgroup files are not visible: one-shot stats through the API (its fallback).
var empty = Directory.CreateTempSubdirectory("upanel-empty-sys").FullName;
using (var fallback = new DockerContainerSource(dockerHost, new HostFiles("/proc", empty, "/"), NullLogger.Instance,
    TimeProvider.System, TimeSpan.FromSeconds(30), DockerContainerSource.DefaultCpuBaseline))
{
    results.Add(await MeasureAsync("agent (API fallback)", async () => (await fallback.CollectAsync(default))?.Count ?? -1));
}

// 4. Naive: list, inspect every container, one-shot stats for every running one (64 at once), every heartbeat.
results.Add(await MeasureAsync("naive: inspect all + one-shot stats", async () =>
{
    var list = await probe.ListContainersAsync(default);
    var options = new ParallelOptions { MaxDegreeOfParallelism = 64 };
    await Parallel.ForEachAsync(list, options, async (c, ct) =>
    {
        try
        {
            await probe.InspectContainerAsync(c.Id, ct);
            if (c.State == "running")
            {
                await probe.GetOneShotStatsAsync(c.Id, ct);
            }
        }
        catch (Exception ex) when (ex is DockerApiException or System.Text.Json.JsonException)
        {
            // Removed meanwhile (the engine is shared).
        }
    });
    return list.Count;
}));

// 5. What `docker stats --no-stream` does: stats?stream=false (two samples a second apart) for every running one.
using var raw = RawClient();
results.Add(await MeasureAsync("docker-stats style: stream=false", async () =>
{
    var list = await probe.ListContainersAsync(default);
    var options = new ParallelOptions { MaxDegreeOfParallelism = 64 };
    await Parallel.ForEachAsync(list.Where(c => c.State == "running"), options, async (c, ct) =>
    {
        using var response = await raw.GetAsync($"/v1.41/containers/{c.Id}/stats?stream=false", ct);
        await response.Content.ReadAsStringAsync(ct);
    });
    return list.Count;
}));

Console.WriteLine();
Console.WriteLine($"medians per heartbeat:");
Console.WriteLine($"{"approach",-40} {"wall ms",10} {"agent CPU ms",13} {"engine CPU ms",14} {"total CPU ms",13}");
foreach (var r in results)
{
    Console.WriteLine($"{r.Name,-40} {r.Wall,10:F2} {r.Agent,13:F2} {r.Engine,14:F2} {r.Agent + r.Engine,13:F2}");
}

foreach (var baseline in results.Take(2))
{
    var ours = baseline.Agent + baseline.Engine;
    foreach (var r in results.Skip(2))
    {
        Console.WriteLine($"ratio {r.Name} / {baseline.Name}: total CPU {(r.Agent + r.Engine) / Math.Max(ours, 0.01):F1}x, wall {r.Wall / Math.Max(baseline.Wall, 0.01):F1}x");
    }
}

Console.WriteLine($"agent RSS now: {File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS", StringComparison.Ordinal))}");
return 0;

static async Task<int> LoopAsync(int collections, bool listEachTime)
{
    var dockerHost = DockerEndpoint.TryParse(Environment.GetEnvironmentVariable("DOCKER_HOST"), out var parsed, out var invalid)
        ? parsed!
        : throw new ArgumentException(invalid);
    var sysRoot = Environment.GetEnvironmentVariable("HOST_SYS") ?? "/sys";
    using var source = new DockerContainerSource(dockerHost, new HostFiles("/proc", sysRoot, "/"), NullLogger.Instance,
        TimeProvider.System, DockerContainerSource.DefaultCollectTimeout, DockerContainerSource.DefaultCpuBaseline);
    using var stop = new CancellationTokenSource();
    var watcher = new DockerEventWatcher(source, () => { }, NullLogger.Instance, TimeProvider.System);
    var watching = listEachTime ? Task.CompletedTask : watcher.RunAsync(stop.Token);
    while (!listEachTime && !watcher.IsConnected)
    {
        await Task.Delay(10);
    }

    var count = 0;
    var fromEngine = 0;
    var cpu = TimeSpan.Zero;
    var wall = TimeSpan.Zero;
    long allocated = 0;
    var gen0 = 0;
    var thread = new Thread(() =>
    {
        UPanel.Agent.Http.BlockingReads.AllowOnThisThread();
        for (var i = 0; i < 3; i++)
        {
            count = source.CollectAsync(default).GetAwaiter().GetResult()?.Count ?? -1; // warm-up: baselines, inspections
        }

        var cpuBefore = Environment.CpuUsage.TotalTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gen0Before = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < collections; i++)
        {
            count = source.CollectAsync(default).GetAwaiter().GetResult()?.Count ?? -1;
            fromEngine += source.LastListFromEngine ? 1 : 0;
        }

        wall = clock.Elapsed;
        cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        gen0 = GC.CollectionCount(0) - gen0Before;
    }) { Name = "upanel-heartbeat" };
    thread.Start();
    thread.Join();
    await stop.CancelAsync();
    try
    {
        await watching;
    }
    catch (OperationCanceledException)
    {
    }

    Console.WriteLine($"{collections} collections back to back, {count} containers ({fromEngine} lists from the engine), stats: {source.StatsSource}");
    Console.WriteLine($"per collection: process CPU {cpu.TotalMicroseconds / collections:F1} us, wall {wall.TotalMicroseconds / collections:F1} us, " +
        $"allocated {allocated / (double)collections:F0} B, gen0 collections {gen0 / (double)collections:F3}");
    return 0;
}

async Task<(string, double, double, double)> MeasureAsync(string name, Func<Task<int>> heartbeat)
{
    var count = await heartbeat(); // warm-up: first sight of every container (baseline, inspections, connections)
    var walls = new List<double>();
    var agents = new List<double>();
    var engines = new List<double>();
    for (var i = 0; i < heartbeats; i++)
    {
        await Task.Delay(1000); // heartbeats are apart; the engine's stats ticks and health checks run meanwhile
        var engineBefore = EngineCpu.Total();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        count = await heartbeat();
        walls.Add(clock.Elapsed.TotalMilliseconds);
        agents.Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds);
        engines.Add((EngineCpu.Total() - engineBefore).TotalMilliseconds);
    }

    // Medians: the engine is shared (other containers' events and health checks land in some windows).
    var result = (name, Median(walls), Median(agents), Median(engines));
    Console.WriteLine($"{name}: {count} containers; per heartbeat median (mean): wall {result.Item2:F2} ({walls.Average():F2}) ms, " +
        $"agent CPU {result.Item3:F2} ({agents.Average():F2}) ms, engine CPU {result.Item4:F2} ({engines.Average():F2}) ms");
    return result;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static HttpClient RawClient()
{
    var handler = new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
    return new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = TimeSpan.FromMinutes(2) };
}
