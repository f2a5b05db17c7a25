// Per-Collect CPU cost of HostMetricsCollector on this machine's /proc, /sys and /, as the AOT agent runs it.
// Usage: host-collect-bench [iterations]  (HOST_PROC, HOST_SYS, HOST_ROOT are honoured like the agent's defaults).
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Host;
using UPanel.Contracts;

var iterations = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20000;
var files = new HostFiles(
    Environment.GetEnvironmentVariable("HOST_PROC") ?? "/proc",
    Environment.GetEnvironmentVariable("HOST_SYS") ?? "/sys",
    Environment.GetEnvironmentVariable("HOST_ROOT") ?? "/");

var facts = new HostFactsReader(files).Read();
Console.WriteLine($"facts: hostname={facts.Hostname} os=\"{facts.OsVersion}\" cpu_cores={facts.CpuCores} ram_mb={facts.RamMb} disk_gb={facts.DiskGb} machine_id={facts.MachineId ?? "(none)"} agent_version={facts.AgentVersion}");

var collector = new HostMetricsCollector(files, NullLogger.Instance);
HostMetrics metrics = collector.Collect();
for (var i = 0; i < 200; i++)
{
    metrics = collector.Collect();
}

var cpuBefore = Environment.CpuUsage.TotalTime;
var gcBefore = GC.GetTotalAllocatedBytes(precise: true);
var wall = Stopwatch.StartNew();
for (var i = 0; i < iterations; i++)
{
    metrics = collector.Collect();
}

wall.Stop();
var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - gcBefore;

Console.WriteLine("metrics: " + JsonSerializer.Serialize(metrics, ContractsJsonContext.Default.HostMetrics));
Console.WriteLine($"iterations={iterations} cpu_us_per_collect={cpu.TotalMicroseconds / iterations:F1} wall_us_per_collect={wall.Elapsed.TotalMicroseconds / iterations:F1} allocated_bytes_per_collect={allocated / iterations}");

// Where the time goes: each source alone.
Measure("cpu (/proc/stat)", new CpuCollector(files).Collect);
Measure("memory (/proc/meminfo)", new MemoryCollector(files).Collect);
Measure("disk (statvfs)", new DiskCollector(files).Collect);
Measure("load (/proc/loadavg)", new LoadCollector(files).Collect);
Measure("network (/proc/1/net/dev)", new NetworkCollector(files).Collect);

void Measure<T>(string name, Func<T> collect)
{
    var n = Math.Max(iterations / 4, 100);
    collect();
    var before = Environment.CpuUsage.TotalTime;
    for (var i = 0; i < n; i++)
    {
        collect();
    }

    Console.WriteLine($"  {name}: cpu_us={(Environment.CpuUsage.TotalTime - before).TotalMicroseconds / n:F1}");
}
