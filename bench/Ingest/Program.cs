using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UPanel.Agent.Reporting;
using UPanel.Bench.Ingest;
using UPanel.Contracts;

// ingest URL PANEL_PIDS SERVERS CONNECTIONS SECONDS [WARMUP] (admin key in UPANEL_ADMIN_KEY; PANEL_PIDS: one pid, or
// several separated by commas for panels behind a proxy, whose CPU and RSS are added up)
// Registers SERVERS servers through the API, then WARMUP seconds (default 0) of heartbeats and of the ceiling, not
// measured (the runtime compiles the hot paths again, optimized, during the first seconds of load: a panel runs for
// days), then for SECONDS each: the ceiling (GET /healthz, no body, no database) and heartbeats (real bodies with 20
// containers, a fresh heartbeat_id made as the agent makes it (a ULID), increasing seq, one server after another), from CONNECTIONS concurrent connections.
// The measured requests go through a minimal keep-alive HTTP/1.1 client of our own (PanelConnection, HeartbeatTemplate):
// a connection per thread, one request at a time, its bytes written from a template made once; HttpClient and the
// serializer took about a quarter of the machine's CPU the panel shares with them (docs/decisions/ingest-throughput.md,
// fourteenth pass). Any status but 2xx, and a connection closed or broken before the answer, count as errors.
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

// HttpClient only to register the servers, before anything is measured.
var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = url };
var servers = new List<(string Id, string Token)>();
for (var i = 0; i < serverCount; i++)
{
    var install = await PostAsync("/api/admin/install-tokens", adminKey, "{}");
    var registration = await PostAsync("/api/agent/register", install.GetProperty("install_token").GetString()!, JsonSerializer.Serialize(
        new RegisterRequest { Hostname = $"ingest-{i:D4}", OsVersion = "Debian 12", CpuCores = 2, RamMb = 4096, DiskGb = 100, AgentVersion = "1.0.0", MachineId = Guid.NewGuid().ToString("N") },
        ContractsJsonContext.Default.RegisterRequest));
    servers.Add((registration.GetProperty("server_id").GetString()!, registration.GetProperty("agent_token").GetString()!));
}

http.Dispose();
var endPoint = new IPEndPoint((await Dns.GetHostAddressesAsync(url.Host))[0], url.Port);

var seqs = new long[serverCount];
var next = -1L;

// The requests' bytes: the ceiling's one request, and a heartbeat template whose buffer is each connection's own.
var healthz = Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n");
Func<ArraySegment<byte>> Healthz() => () => healthz;

var template = HeartbeatTemplate.Create(url.Authority, servers);
Func<ArraySegment<byte>> NextHeartbeat()
{
    var request = template.NewRequest();
    return () =>
    {
        var n = Interlocked.Increment(ref next);
        var server = (int)(n % serverCount);
        var now = DateTimeOffset.UtcNow;
        return request.Write(server, n, Interlocked.Increment(ref seqs[server]), now, HeartbeatId.New(now));
    };
}

var warmedUp = 0L;
if (warmup > 0)
{
    (_, warmedUp) = Run("warm-up", NextHeartbeat, warmup, print: false);
    Run("warm-up", Healthz, Math.Max(1, warmup / 4), print: false);
}

Console.WriteLine($"{"phase",-10} {"requests/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"panel CPU ms/req",17} {"panel RSS MB",13} {"load CPU ms/req",16} {"cores busy",11}");
var (ceiling, _) = Run("ceiling", Healthz, seconds);
var (ingest, accepted) = Run("heartbeat", NextHeartbeat, seconds);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"heartbeats/s as a share of the ceiling: {ingest / ceiling:P0}"));
// Every heartbeat stored, the warm-up's too: the bytes the database grew are divided by it.
Console.WriteLine($"heartbeats accepted: {warmedUp + accepted}");

// Each connection on a thread of its own (PanelConnection), its requests made by its own maker (connection).
(double Rate, long Accepted) Run(string phase, Func<Func<ArraySegment<byte>>> connection, int phaseSeconds, bool print = true)
{
    var latencies = new List<double>[connections];
    var errors = 0L;
    var cpuBefore = panelPids.Sum(CpuMilliseconds);
    var ownBefore = Environment.CpuUsage.TotalTime;
    var machineBefore = MachineJiffies();
    var clock = Stopwatch.StartNew();
    var end = TimeSpan.FromSeconds(phaseSeconds);
    var threads = Enumerable.Range(0, connections).Select(worker => new Thread(() =>
    {
        var mine = latencies[worker] = [];
        var make = connection();
        using var panel = new PanelConnection(endPoint);
        while (clock.Elapsed < end)
        {
            var request = make();
            var start = Stopwatch.GetTimestamp();
            // No answer (the connection closed or broken, then opened again at the next request) counts as an error, as
            // any status but 2xx does.
            if (panel.Send(request) is < 200 or > 299)
            {
                Interlocked.Increment(ref errors);
            }

            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }) { IsBackground = true, Name = $"{phase} {worker}" }).ToArray();
    foreach (var thread in threads)
    {
        thread.Start();
    }

    foreach (var thread in threads)
    {
        thread.Join();
    }

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
            $"{phase,-10} {rate,10:F0} {Percentile.NearestRank(all, 0.50),8:F1} {Percentile.NearestRank(all, 0.99),8:F1} {errors,7} {cpu / all.Length,17:F3} {panelPids.Sum(RssMegabytes),13:F1} {own / all.Length,16:F3} {coresBusy,11:F2}"));
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
