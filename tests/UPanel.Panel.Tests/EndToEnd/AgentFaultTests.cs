using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// The real agent binary against the real panel (SQLite) with faults on the way: nothing produced is lost, nothing is
/// stored twice, counted from the panel's database. UPANEL_LONG_FAULTS=1 runs the long variants (200 kill -9 cycles).
/// </summary>
public sealed partial class AgentFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-e2e-faults-").FullName;

    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    private static bool Long => Environment.GetEnvironmentVariable("UPANEL_LONG_FAULTS") == "1";

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Through_resets_black_holes_5xx_429_latency_and_lost_answers_every_heartbeat_is_stored_once()
    {
        Fault[] faults =
        [
            Fault.Pass, Fault.Status500, Fault.Reset, Fault.TooManyRequests, Fault.Pass, Fault.LoseAnswer, Fault.LoseAnswer,
            Fault.Latency, Fault.Status503, Fault.BlackHole,
        ];
        await using var panel = await StartPanelAsync();
        var server = await NewServerAsync(panel, "faults-host");
        await using var proxy = await FaultProxy.StartAsync(panel.BaseAddress, n => n <= faults.Length ? faults[n - 1] : Fault.Pass);
        var healthPort = AgentEndToEndTests<SqlitePanelFixture>.FreePort();
        using var agent = await StartAgentAsync(proxy.BaseAddress, server.ServerId, server.AgentToken, healthPort);

        // Every fault used, then the queue drained.
        await Poll.UntilAsync(async () => proxy.Requests.Count > faults.Length + 1 && await QueueLengthAsync(healthPort) == 0, "the faults and the drain", TimeSpan.FromSeconds(120),
            () => string.Join('\n', proxy.Requests) + "\n" + agent.Output);
        Assert.Equal(0, await agent.TerminateAsync());
        var left = int.Parse(StoppedWithQueued().Match(agent.Output).Groups[1].Value, CultureInfo.InvariantCulture);

        var produced = proxy.Requests.Where(r => r.HeartbeatId is not null).Select(r => r.HeartbeatId!).Distinct().ToList();
        var stored = await StoredAsync(panel, server.ServerId);
        Assert.Equal(produced.Count - left, stored.Count); // lost: 0 (left is still on disk, not lost)
        Assert.Equal(stored.Count, stored.Select(h => h.HeartbeatId).Distinct().Count()); // duplicated: 0
        Assert.Subset(produced.ToHashSet(), stored.Select(h => h.HeartbeatId).ToHashSet());
        // Timestamps are whole seconds: two samples in one second tie, and their seqs may come in either order there.
        Assert.Equal(stored.OrderBy(h => h.Timestamp).ThenBy(h => h.Seq).Select(h => h.Seq), stored.Select(h => h.Seq).Order());

        // The heartbeats whose answers were lost were sent again with the same id, and stored once.
        foreach (var lost in proxy.Requests.Where(r => r.Fault == Fault.LoseAnswer))
        {
            Assert.True(proxy.Requests.Count(r => r.HeartbeatId == lost.HeartbeatId) >= 2, $"{lost.HeartbeatId} was not resent");
            Assert.Single(stored, h => h.HeartbeatId == lost.HeartbeatId);
        }

        // The token in no log line (the agent's, the panel's) and no file the run left (queue, panel data but the database).
        Assert.DoesNotContain(server.AgentToken, agent.Output);
        Assert.DoesNotContain(panel.Logs.GetSnapshot(), r => r.Message.Contains(server.AgentToken, StringComparison.Ordinal));
        var files = Directory.GetFiles(_dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".env", StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain(server.AgentToken, File.ReadAllText(f)));
    }

    [Fact]
    public async Task Panel_down_while_the_agent_restarts_every_heartbeat_arrives_after_in_seq_order_none_twice()
    {
        var url = $"http://127.0.0.1:{AgentEndToEndTests<SqlitePanelFixture>.FreePort()}";
        var options = new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") };
        var panel = await PanelHost.StartAsync(options, url: url);
        var server = await NewServerAsync(panel, "restart-host");
        var healthPort = AgentEndToEndTests<SqlitePanelFixture>.FreePort();
        using var first = await StartAgentAsync(new Uri(url), server.ServerId, server.AgentToken, healthPort);
        await Poll.UntilAsync(async () => (await StoredAsync(panel, server.ServerId)).Count >= 1, "the first heartbeat", Minute);
        await panel.DisposeAsync();

        await Poll.UntilAsync(async () => await QueueLengthAsync(healthPort) >= 2, "two heartbeats queued", Minute, () => first.Output);
        Assert.Equal(0, await first.TerminateAsync());
        var queuedAtStop = int.Parse(StoppedWithQueued().Match(first.Output).Groups[1].Value, CultureInfo.InvariantCulture);

        using var second = await StartAgentAsync(new Uri(url), server.ServerId, server.AgentToken, healthPort);
        await Poll.UntilAsync(() => QueueOpened().IsMatch(second.Output), "the queue reopened", Minute);
        Assert.Equal(queuedAtStop, int.Parse(QueueOpened().Match(second.Output).Groups[1].Value, CultureInfo.InvariantCulture));
        await Poll.UntilAsync(async () => await QueueLengthAsync(healthPort) >= queuedAtStop + 2, "two more heartbeats queued", Minute);

        panel = await PanelHost.StartAsync(options, url: url);
        await using var _ = panel;
        await Poll.UntilAsync(async () => await QueueLengthAsync(healthPort) == 0, "the drain", Minute);
        Assert.Equal(0, await second.TerminateAsync());

        var stored = await StoredAsync(panel, server.ServerId);
        var sent = Delivered().Matches(first.Output + second.Output).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.Equal(sent.Order(), stored.Select(h => h.Seq).Order());
        Assert.Equal(stored.Count, stored.Select(h => h.Seq).Distinct().Count());
        // Timestamps are whole seconds: two samples in one second tie, and their seqs may come in either order there.
        Assert.Equal(stored.OrderBy(h => h.Timestamp).ThenBy(h => h.Seq).Select(h => h.Seq), stored.Select(h => h.Seq).Order());
        Assert.True(stored.Count >= queuedAtStop + 3, $"{stored.Count} stored, {queuedAtStop} were queued at the restart");
        Assert.DoesNotContain(server.AgentToken, first.Output + second.Output);
    }

    [Fact]
    public async Task Kill_9_at_random_moments_never_loses_the_queue_nor_what_was_written()
    {
        var cycles = Long ? 200 : 20;
        await using var panel = await StartPanelAsync();
        var server = await NewServerAsync(panel, "kill-host");
        var unreachable = new Uri($"http://127.0.0.1:{AgentEndToEndTests<SqlitePanelFixture>.FreePort()}");
        var random = new Random(20261205);
        var waiting = 0;
        var torn = 0;
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            using var agent = await StartAgentAsync(unreachable, server.ServerId, server.AgentToken, healthPort: null);

            // Once the agent is up (its queue opened: under load a start alone can take seconds), kill it around its first
            // sample, which is taken and written about 2 s after start.
            await Poll.UntilAsync(() => QueueOpened().IsMatch(agent.Output), $"cycle {cycle}: the queue opened", Minute, () => agent.Output);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1000, 3000)), TestContext.Current.CancellationToken);
            await agent.KillAsync();

            var opened = QueueOpened().Match(agent.Output);
            Assert.True(opened.Success, $"cycle {cycle}: the queue did not open:\n{agent.Output}");
            var count = int.Parse(opened.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(count, waiting, waiting + 1); // nothing written is lost; at most one sample per cycle
            waiting = count;
            torn += agent.Output.Contains("[1220]", StringComparison.Ordinal) ? 1 : 0;
        }

        // Then the panel is reachable, and everything written arrives, once, oldest first.
        var healthPort = AgentEndToEndTests<SqlitePanelFixture>.FreePort();
        using var last = await StartAgentAsync(panel.BaseAddress, server.ServerId, server.AgentToken, healthPort);
        await Poll.UntilAsync(() => QueueOpened().IsMatch(last.Output), "the queue reopened", Minute);
        var written = int.Parse(QueueOpened().Match(last.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(written, waiting, waiting + 1);
        await Poll.UntilAsync(async () => await QueueLengthAsync(healthPort) == 0 && (await StoredAsync(panel, server.ServerId)).Count > written, "the drain", TimeSpan.FromSeconds(120));
        Assert.Equal(0, await last.TerminateAsync());

        var stored = await StoredAsync(panel, server.ServerId);
        var sent = Delivered().Matches(last.Output).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.Equal(sent.Order(), stored.Select(h => h.Seq).Order());
        Assert.Equal(stored.Count, stored.Select(h => h.HeartbeatId).Distinct().Count());
        // Timestamps are whole seconds: two samples in one second tie, and their seqs may come in either order there.
        Assert.Equal(stored.OrderBy(h => h.Timestamp).ThenBy(h => h.Seq).Select(h => h.Seq), stored.Select(h => h.Seq).Order());
        Assert.True(stored.Count > written, $"{stored.Count} stored, {written} were written by the killed agents");
        Assert.Equal(sent.Take(written), sent.Order().Take(written)); // the backlog went first, oldest first
        Assert.All(QueueFiles(), f => Assert.DoesNotContain(server.AgentToken, File.ReadAllText(f)));
        TestContext.Current.TestOutputHelper?.WriteLine($"{cycles} kill -9 cycles: {written} heartbeats written, {torn} opens found a torn record");
    }

    private async Task<PanelHost> StartPanelAsync() =>
        await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });

    private async Task<AgentProcess> StartAgentAsync(Uri panelUrl, string serverId, string token, int? healthPort)
    {
        var envFile = Path.Combine(_dir, $"agent-{Guid.NewGuid():N}.env");
        File.WriteAllText(envFile, $"PANEL_URL={panelUrl}\nSERVER_ID={serverId}\nAGENT_TOKEN={token}\n");
        return await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--heartbeat-interval", "5", "--state-dir", Path.Combine(_dir, "state"),
             "--health-listen", healthPort is { } port ? $"127.0.0.1:{port}" : "off",
             "--docker-host", $"unix://{Path.Combine(_dir, "no-docker.sock")}"],
            new Dictionary<string, string> { ["LOG_LEVEL"] = "Debug" });
    }

    /// <summary>A server the panel asks for a heartbeat every 5 s (the agent's own interval yields to the panel's).</summary>
    private static async Task<UPanel.Contracts.RegisterResponse> NewServerAsync(PanelHost panel, string hostname)
    {
        var server = await panel.NewServerAsync(hostname);
        using var settings = await panel.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", panel.AdminKey, """{"next_heartbeat_seconds":5}""");
        await PanelHost.ReadJsonAsync(settings, 200);
        return server;
    }

    private string[] QueueFiles() =>
        Directory.Exists(Path.Combine(_dir, "state", "queue")) ? Directory.GetFiles(Path.Combine(_dir, "state", "queue")) : [];

    private static async Task<int> QueueLengthAsync(int healthPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var health = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{healthPort}/health");
            return health.GetProperty("queue_length").GetInt32();
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    private static async Task<List<(string HeartbeatId, long Seq, DateTimeOffset Timestamp)>> StoredAsync(PanelHost panel, string serverId)
    {
        var page = await panel.AdminGetAsync($"/api/admin/servers/{serverId}/heartbeats?limit=1000");
        return [.. page.GetProperty("heartbeats").EnumerateArray().Select(h => (
            h.GetProperty("heartbeat_id").GetString()!,
            h.GetProperty("seq").GetInt64(),
            h.GetProperty("timestamp").GetDateTimeOffset()))];
    }

    [GeneratedRegex(@"Heartbeat queue in [^:]+: (\d+) waiting")]
    private static partial Regex QueueOpened();

    [GeneratedRegex(@"Reporter stopped with (\d+) heartbeats queued")]
    private static partial Regex StoppedWithQueued();

    [GeneratedRegex(@"Heartbeat seq (\d+) delivered")]
    private static partial Regex Delivered();
}
