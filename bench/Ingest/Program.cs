using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UPanel.Agent.Reporting;
using UPanel.Contracts;

// ingest URL PANEL_PIDS SERVERS CONNECTIONS SECONDS [WARMUP] (admin key in UPANEL_ADMIN_KEY; PANEL_PIDS: one pid, or
// several separated by commas for panels behind a proxy, whose CPU and RSS are added up)
// Registers SERVERS servers through the API, then WARMUP seconds (default 0) of heartbeats and of the ceiling, not
// measured (the runtime compiles the hot paths again, optimized, during the first seconds of load: a panel runs for
// days), then for SECONDS each: the ceiling (GET /healthz, no body, no database) and heartbeats (real bodies with 20
// containers, a fresh heartbeat_id made as the agent makes it (a ULID), increasing seq, one server after another), from CONNECTIONS concurrent connections.
// Prints one line per phase: requests/s, p50, p99, errors, the panel's CPU (utime + stime of the panels over the
// phase) and RSS at its end, this generator's own CPU per request, and the cores the whole machine kept busy over the
// phase (from /proc/stat: 2.00 on this 2-core machine means the panel and the generator together are CPU-bound).
var url = new Uri(args[0]);
var panelPids = args[1].Split(',').Select(pid => int.Parse(pid, CultureInfo.InvariantCulture)).ToArray();
var serverCount = int.Parse(args[2], CultureInfo.InvariantCulture);
var connections = int.Parse(args[3], CultureInfo.InvariantCulture);
var seconds = int.Parse(args[4], CultureInfo.InvariantCulture);
var warmup = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 0;
var adminKey = Environment.GetEnvironmentVariable("UPANEL_ADMIN_KEY") ?? throw new InvalidOperationException("set UPANEL_ADMIN_KEY");

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseCookies = false }) { BaseAddress = url };
var servers = new List<(string Id, string Token)>();
for (var i = 0; i < serverCount; i++)
{
    var install = await PostAsync("/api/admin/install-tokens", adminKey, "{}");
    var registration = await PostAsync("/api/agent/register", install.GetProperty("install_token").GetString()!, JsonSerializer.Serialize(
        new RegisterRequest { Hostname = $"ingest-{i:D4}", OsVersion = "Debian 12", CpuCores = 2, RamMb = 4096, DiskGb = 100, AgentVersion = "1.0.0", MachineId = Guid.NewGuid().ToString("N") },
        ContractsJsonContext.Default.RegisterRequest));
    servers.Add((registration.GetProperty("server_id").GetString()!, registration.GetProperty("agent_token").GetString()!));
}

// 20 containers as a real host has them: different names, images and ids, and CPU, memory and uptime that change
// from one heartbeat to the next (what the database stores and compresses depends on it).
string[] roles = ["web", "api", "db", "cache", "worker", "proxy", "queue", "cron"];
string[] images = ["nginx:1.25", "registry.example.com/shop/api:2.14.1", "postgres:16", "redis:7-alpine", "registry.example.com/shop/worker:2.14.1", "traefik:v3.1", "rabbitmq:3.13-management", "alpine:3.20"];
// What does not change between heartbeats is made once (the generator's own CPU is taken from the panel's machine).
var ids = Enumerable.Range(0, 20).Select(i => $"{(uint)(i * 2654435761u):x8}{i:x4}").ToArray();
var names = Enumerable.Range(0, 20).Select(i => $"shop_{roles[i % roles.Length]}_{i / roles.Length + 1}").ToArray();
List<ContainerInfo> Containers(long n)
{
    var containers = new List<ContainerInfo>(20);
    for (var i = 0; i < 20; i++)
    {
        containers.Add(new ContainerInfo
        {
            Id = ids[i],
            Name = names[i],
            Image = images[i % images.Length],
            Status = i == 19 ? "exited" : "running",
            Health = i % 5 == 0 ? "healthy" : "none",
            UptimeSeconds = i == 19 ? 0 : 86400 * (i + 1) + n,
            CpuPercent = (n * 31 + i * 17) % 2000 / 100.0,
            MemoryMb = 40 + i * 37 + n * 7 % 50,
            RestartCount = i == 7 ? 3 : 0,
        });
    }

    return containers;
}

var seqs = new long[serverCount];
var next = -1;

var warmedUp = 0L;
if (warmup > 0)
{
    (_, warmedUp) = await RunAsync("warm-up", NextHeartbeat, warmup, print: false);
    await RunAsync("warm-up", Healthz, Math.Max(1, warmup / 4), print: false);
}

Console.WriteLine($"{"phase",-10} {"requests/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"panel CPU ms/req",17} {"panel RSS MB",13} {"load CPU ms/req",16} {"cores busy",11}");
var (ceiling, _) = await RunAsync("ceiling", Healthz, seconds);
var (ingest, accepted) = await RunAsync("heartbeat", NextHeartbeat, seconds);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"heartbeats/s as a share of the ceiling: {ingest / ceiling:P0}"));
// Every heartbeat stored, the warm-up's too: the bytes the database grew are divided by it.
Console.WriteLine($"heartbeats accepted: {warmedUp + accepted}");

static HttpRequestMessage Healthz() => new(HttpMethod.Get, "/healthz");

HttpRequestMessage NextHeartbeat()
{
    var n = Interlocked.Increment(ref next);
    var server = n % serverCount;
    var (id, token) = servers[server];
    var now = DateTimeOffset.UtcNow;
    var heartbeat = new Heartbeat
    {
        ServerId = id,
        Timestamp = now,
        Metrics = new HostMetrics { CpuPercent = 12.5, RamUsedMb = 1024, RamTotalMb = 4096, DiskUsedGb = 45, DiskTotalGb = 100, LoadAverage = [0.5, 0.4, 0.3], NetworkInBytes = n, NetworkOutBytes = n },
        Containers = Containers(n),
        AgentVersion = "1.0.0",
        HeartbeatId = HeartbeatId.New(now),
        Seq = Interlocked.Increment(ref seqs[server]),
    };
    var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat")
    {
        Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(heartbeat, ContractsJsonContext.Default.Heartbeat)),
    };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return request;
}

async Task<(double Rate, long Accepted)> RunAsync(string phase, Func<HttpRequestMessage> make, int phaseSeconds, bool print = true)
{
    var latencies = new List<double>[connections];
    var errors = 0L;
    var cpuBefore = panelPids.Sum(CpuMilliseconds);
    var ownBefore = Environment.CpuUsage.TotalTime;
    var machineBefore = MachineJiffies();
    var clock = Stopwatch.StartNew();
    var end = TimeSpan.FromSeconds(phaseSeconds);
    await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
    {
        var mine = latencies[worker] = [];
        while (clock.Elapsed < end)
        {
            using var request = make();
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }

            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    var cpu = panelPids.Sum(CpuMilliseconds) - cpuBefore;
    var own = (Environment.CpuUsage.TotalTime - ownBefore).TotalMilliseconds;
    var (busy, total) = MachineJiffies();
    var coresBusy = Environment.ProcessorCount * (double)(busy - machineBefore.Busy) / (total - machineBefore.Total);
    var all = latencies.SelectMany(l => l).Order().ToArray();
    var rate = all.Length / elapsed;
    if (print)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{phase,-10} {rate,10:F0} {Percentile(all, 0.50),8:F1} {Percentile(all, 0.99),8:F1} {errors,7} {cpu / all.Length,17:F3} {panelPids.Sum(RssMegabytes),13:F1} {own / all.Length,16:F3} {coresBusy,11:F2}"));
    }

    return (rate, all.Length - errors);
}

async Task<JsonElement> PostAsync(string path, string bearer, string body)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.Clone() : throw new InvalidOperationException($"{path}: HTTP {(int)response.StatusCode} {text}");
}

// Nearest rank: the smallest value with at least p of the samples at or below it.
static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];

// utime + stime of the whole process (fields 14 and 15 of /proc/PID/stat, after the command's closing parenthesis).
static double CpuMilliseconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 1000.0 / 100;
}

// The machine's CPU time from the first line of /proc/stat, in ticks: busy (all but idle and iowait) and total.
static (long Busy, long Total) MachineJiffies()
{
    var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
        .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
    var total = ticks.Sum();
    return (total - ticks[3] - ticks[4], total);
}

static double RssMegabytes(int pid) =>
    File.ReadLines($"/proc/{pid}/smaps_rollup").Where(l => l.StartsWith("Rss:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0).First();
