using System.Net;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Tests.Infrastructure;
using UPanel.Panel.Tests.ScaleOut;

namespace UPanel.Panel.Tests;

/// <summary>
/// The latest state that the admin API's list (<c>GET /api/admin/servers</c>) and the overview's poll
/// (<c>GET /ui/servers.json</c>) show, read from the columns written with each newer heartbeat: the same numbers, written
/// the same way, as the heartbeat that was sent, and never those of an older or repeated one.
/// </summary>
public abstract class LatestStateTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_server_with_no_heartbeat_yet_shows_no_latest_state()
    {
        var server = await Panel.NewServerAsync("quiet-host");

        var listed = await ListedAsync(server.ServerId);
        Assert.Equal("never_seen", listed.GetProperty("status").GetString());
        Assert.False(listed.TryGetProperty("metrics", out _));
        Assert.False(listed.TryGetProperty("container_count", out _));
        Assert.False(listed.TryGetProperty("latest_seq", out _));
        var row = await OverviewRowAsync(server.ServerId);
        Assert.Equal(
            """{"status":"never_seen","docker_unreachable":false,"unhealthy":0,"exited":0,"restarting":0}""",
            LatestPart(row));
    }

    [Fact]
    public async Task The_list_shows_the_newest_heartbeat_and_never_an_older_or_repeated_one()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var first = Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: now.AddSeconds(-60)) with
        {
            Metrics = Metrics(cpu: 1.0 / 3 * 100, load1: 0.1 + 0.2),
            Containers = [Container("a", "running", "unhealthy"), Container("b", "exited"), Container("c", "dead"), Container("d", "restarting"), Container("e", "running")],
        };
        await Panel.HeartbeatOkAsync(server.AgentToken, first);

        var listed = await ListedAsync(server.ServerId);
        Assert.Equal(Serialized(first.Metrics), listed.GetProperty("metrics").GetRawText());
        Assert.Equal(5, listed.GetProperty("container_count").GetInt64());
        var row = await OverviewRowAsync(server.ServerId);
        Assert.Equal(
            """{"status":"online","container_count":5,"docker_unreachable":false,"unhealthy":1,"exited":2,"restarting":1,"cpu_percent":33.33333333333333,"ram_used_mb":1500,"ram_total_mb":4096,"disk_used_gb":45,"disk_total_gb":100,"load1":0.30000000000000004}""",
            LatestPart(row));

        var second = Panel.NewHeartbeat(server.ServerId, seq: 2, timestamp: now.AddSeconds(-30)) with { Metrics = Metrics(cpu: 71.25, load1: 2.5) };
        await Panel.HeartbeatOkAsync(server.AgentToken, second);
        // Older (sent late from a queue) with other numbers and Docker unreachable, then the first one again.
        var late = Panel.NewHeartbeat(server.ServerId, seq: 0, timestamp: now.AddSeconds(-120)) with { Metrics = Metrics(cpu: 99, load1: 9), Containers = null };
        await Panel.HeartbeatOkAsync(server.AgentToken, late);
        await Panel.HeartbeatOkAsync(server.AgentToken, first);

        listed = await ListedAsync(server.ServerId);
        Assert.Equal(2, listed.GetProperty("latest_seq").GetInt64());
        Assert.Equal(Serialized(second.Metrics), listed.GetProperty("metrics").GetRawText());
        Assert.Equal(1, listed.GetProperty("container_count").GetInt64());
        Assert.Equal(listed.GetRawText(), (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}")).GetRawText());
        row = await OverviewRowAsync(server.ServerId);
        Assert.Equal(
            """{"status":"online","container_count":1,"docker_unreachable":false,"unhealthy":0,"exited":0,"restarting":0,"cpu_percent":71.25,"ram_used_mb":1500,"ram_total_mb":4096,"disk_used_gb":45,"disk_total_gb":100,"load1":2.5}""",
            LatestPart(row));
    }

    [Fact]
    public async Task Numbers_a_heartbeat_left_out_stay_out_of_the_list_and_no_containers_means_docker_unreachable()
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 1) with
        {
            Metrics = new HostMetrics { CpuPercent = 7.25, RamTotalMb = 2048 },
            Containers = null,
        };
        await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat);

        var listed = await ListedAsync(server.ServerId);
        Assert.Equal("""{"cpu_percent":7.25,"ram_total_mb":2048}""", listed.GetProperty("metrics").GetRawText());
        Assert.False(listed.TryGetProperty("container_count", out _));
        var row = await OverviewRowAsync(server.ServerId);
        Assert.Equal(
            """{"status":"online","docker_unreachable":true,"unhealthy":0,"exited":0,"restarting":0,"cpu_percent":7.25,"ram_total_mb":2048}""",
            LatestPart(row));
    }

    private static HostMetrics Metrics(double cpu, double load1) => new()
    {
        CpuPercent = cpu,
        RamUsedMb = 1500,
        RamTotalMb = 4096,
        DiskUsedGb = 45,
        DiskTotalGb = 100,
        LoadAverage = [load1, 0.25, 1e-7],
        NetworkInBytes = long.MaxValue - 1,
        NetworkOutBytes = 0,
    };

    private static ContainerInfo Container(string id, string status, string health = "none") =>
        new() { Id = id + "00000000000", Name = "app_" + id, Image = "app:1", Status = status, Health = health, UptimeSeconds = 0, CpuPercent = 0, MemoryMb = 0 };

    /// <summary>Host numbers as the contracts' serializer writes them, which is how the heartbeat was stored and shown before.</summary>
    private static string Serialized(HostMetrics metrics) => JsonSerializer.Serialize(metrics, ContractsJsonContext.Default.HostMetrics);

    private async Task<JsonElement> ListedAsync(string serverId) =>
        (await Panel.AdminGetAsync("/api/admin/servers")).GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("id").GetString() == serverId);

    /// <summary>The server's row of the overview's poll, signed in as a browser is.</summary>
    private async Task<JsonElement> OverviewRowAsync(string serverId)
    {
        using var signIn = await TwoPanelTests.PostSignInAsync(Panel, await TwoPanelTests.SignInFormAsync(Panel), Panel.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui/servers.json");
        request.Headers.Add("Cookie", TwoPanelTests.Cookie(signIn, "upanel_session"));
        using var response = await Panel.Client.SendAsync(request, TestContext.Current.CancellationToken);
        return (await PanelHost.ReadJsonAsync(response, 200)).EnumerateArray().Single(r => r.GetProperty("id").GetString() == serverId);
    }

    /// <summary>The row's fields that come from the latest heartbeat, in the order written (a null is left out).</summary>
    private static string LatestPart(JsonElement row)
    {
        string[] fields = ["status", "container_count", "docker_unreachable", "unhealthy", "exited", "restarting", "cpu_percent", "ram_used_mb", "ram_total_mb", "disk_used_gb", "disk_total_gb", "load1"];
        return "{" + string.Join(",", row.EnumerateObject().Where(p => fields.Contains(p.Name)).Select(p => $"\"{p.Name}\":{p.Value.GetRawText()}")) + "}";
    }
}
