using System.Text.Json;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>
/// The seed's own clients (its example body, its Go agent's structs through encoding/json, its manual curl;
/// Fixtures/seed) are accepted and stored faithfully: docs/panel.md, "What the panel accepts" (issue 16).
/// </summary>
public abstract class SeedBodyTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task The_seeds_example_body_is_stored_as_sent()
    {
        var server = await Panel.NewServerAsync();

        await PostOkAsync(server, "heartbeat-verbatim.json");

        var containers = (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers")).GetProperty("containers");
        Assert.Equal(["myapp_web_1", "myapp_db_1"], containers.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["healthy", "healthy"], containers.EnumerateArray().Select(c => c.GetProperty("health").GetString()));
        Assert.Equal([86400L, 86400L], containers.EnumerateArray().Select(c => c.GetProperty("uptime_seconds").GetInt64()));
        var latest = await LatestAsync(server.ServerId);
        Assert.False(latest.TryGetProperty("timestamp_from_receipt", out _));
        Assert.Equal("1.0.0", latest.GetProperty("agent_version").GetString());
    }

    [Fact]
    public async Task The_seeds_go_agent_is_accepted_with_health_and_uptime_unknown_and_names_without_the_slash()
    {
        var server = await Panel.NewServerAsync();

        var sent = await PostOkAsync(server, "heartbeat-go-structs.json");

        var list = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers");
        var containers = list.GetProperty("containers").EnumerateArray().ToList();
        Assert.Equal(["myapp_web_1", "myapp_db_1"], containers.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["abc123def456", "def456abc123"], containers.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(["running", "running"], containers.Select(c => c.GetProperty("status").GetString()));
        Assert.All(containers, c => Assert.False(c.TryGetProperty("health", out _), "health was not sent: unknown, not invented"));
        Assert.All(containers, c => Assert.False(c.TryGetProperty("uptime_seconds", out _), "uptime was not sent: unknown, not 0"));
        Assert.Equal(sent.GetProperty("timestamp").GetString()![..19] + "Z", list.GetProperty("sample_at").GetString());
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal(2, state.GetProperty("container_count").GetInt64());
        Assert.Equal(4096, state.GetProperty("metrics").GetProperty("ram_total_mb").GetInt64());
        Assert.False(state.GetProperty("metrics").TryGetProperty("load_average", out _));
    }

    [Fact]
    public async Task The_seeds_go_agent_with_a_nil_container_slice_is_stored_as_containers_unknown()
    {
        var server = await Panel.NewServerAsync();

        await PostOkAsync(server, "heartbeat-go-structs-nil-containers.json");

        var latest = await LatestAsync(server.ServerId);
        Assert.False(latest.TryGetProperty("container_count", out _));
        Assert.Equal(JsonValueKind.Null, (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers")).GetProperty("containers").ValueKind);
    }

    [Fact]
    public async Task The_seeds_manual_curl_takes_the_time_of_receipt_and_is_marked_so()
    {
        var server = await Panel.NewServerAsync();
        var receivedAt = Panel.Time.GetUtcNow();

        await PostOkAsync(server, "heartbeat-curl.json");

        var latest = await LatestAsync(server.ServerId);
        Assert.True(latest.GetProperty("timestamp_from_receipt").GetBoolean());
        Assert.Equal($"{receivedAt:yyyy-MM-dd'T'HH:mm:ss'Z'}", latest.GetProperty("timestamp").GetString());
        Assert.Equal(latest.GetProperty("received_at").GetString(), latest.GetProperty("timestamp").GetString());
        Assert.False(latest.TryGetProperty("agent_version", out _));
        Assert.Equal(23.5, latest.GetProperty("metrics").GetProperty("cpu_percent").GetDouble());
        Assert.False(latest.GetProperty("metrics").TryGetProperty("disk_total_gb", out _));
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal("1.0.0", state.GetProperty("agent_version").GetString());
        Assert.Equal("online", state.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_heartbeat_without_its_version_keeps_the_last_known_one_and_is_not_told_to_update()
    {
        var server = await Panel.NewServerAsync();
        using (var settings = await Panel.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey, """{"target_agent_version":"2.0.0"}"""))
        {
            await PanelHost.ReadJsonAsync(settings, 200);
        }

        var versioned = await Panel.HeartbeatOkAsync(
            server.AgentToken, Panel.NewHeartbeat(server.ServerId, timestamp: Panel.Time.GetUtcNow().AddSeconds(-10), agentVersion: "1.5.0"));
        Assert.True(versioned.UpdateAvailable);

        using var response = await Panel.SendAsync(
            HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, SeedBody("heartbeat-curl.json", server.ServerId, Panel.Time.GetUtcNow()));
        var answer = await PanelHost.ReadJsonAsync(response, 200);

        Assert.False(answer.TryGetProperty("update_available", out _), answer.ToString());
        Assert.False(answer.TryGetProperty("update_url", out _), answer.ToString());
        Assert.True((await LatestAsync(server.ServerId)).GetProperty("timestamp_from_receipt").GetBoolean());
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal("1.5.0", state.GetProperty("agent_version").GetString());
        Assert.True(state.GetProperty("update_available").GetBoolean());
    }

    [Theory]
    [InlineData("""{"metrics":{"cpu_percent":1}}""", "server_id: required")]
    [InlineData("""{"server_id":"{id}"}""", "metrics: required")]
    [InlineData("""{"server_id":"{id}","metrics":{},"containers":[{"id":"a","name":"/","image":"i","status":"running"}]}""", "containers[0].name: must not be empty")]
    [InlineData("""{"server_id":"{id}","metrics":{},"containers":[{"id":"a","name":"/w","image":"i","status":"running","health":""}]}""", "containers[0].health: must not be empty (omit it when unknown)")]
    [InlineData("""{"server_id":"{id}","metrics":{},"agent_version":""}""", "agent_version: must not be empty (omit it instead)")]
    [InlineData("""{"server_id":"{id}","metrics":{},"containers":[{"name":"w","image":"i","status":"running"}]}""", "containers[0].id: required")]
    public async Task What_the_seed_makes_explicit_stays_required(string body, string error)
    {
        var server = await Panel.NewServerAsync();

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, body.Replace("{id}", server.ServerId, StringComparison.Ordinal));

        var json = await PanelHost.ReadJsonAsync(response, 400);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    /// <summary>The seed's body with this server's id and, for a timestamp the spec dates 2024, one second ago.</summary>
    internal static string SeedBody(string fixture, string serverId, DateTimeOffset now) =>
        File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Fixtures", "seed", fixture))
            .Replace("01HQXYZ...", serverId, StringComparison.Ordinal)
            .Replace("2024-01-15T10:30:00", $"{now.AddSeconds(-1):yyyy-MM-dd'T'HH:mm:ss}", StringComparison.Ordinal);

    private async Task<JsonElement> PostOkAsync(UPanel.Contracts.RegisterResponse server, string fixture)
    {
        var body = SeedBody(fixture, server.ServerId, Panel.Time.GetUtcNow());
        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, body);
        var answer = await PanelHost.ReadJsonAsync(response, 200);
        Assert.Equal("ok", answer.GetProperty("status").GetString());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<JsonElement> LatestAsync(string serverId) =>
        (await Panel.AdminGetAsync($"/api/admin/servers/{serverId}/heartbeats?limit=1")).GetProperty("heartbeats").EnumerateArray().Single();
}
