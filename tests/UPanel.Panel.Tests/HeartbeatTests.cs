using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

public abstract class HeartbeatTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task Seed_example_heartbeat_gets_the_seed_response_shape()
    {
        var server = await Panel.NewServerAsync("prod-server-1");
        var now = Panel.Time.GetUtcNow();
        // The seed's example body (agent-spec.md), with this server's id and a current timestamp.
        var body = $$"""
            {
                "server_id": "{{server.ServerId}}",
                "timestamp": "{{now.AddSeconds(-1):yyyy-MM-dd'T'HH:mm:ss'Z'}}",
                "metrics": {
                    "cpu_percent": 23.5,
                    "ram_used_mb": 1024,
                    "ram_total_mb": 4096,
                    "disk_used_gb": 45,
                    "disk_total_gb": 100,
                    "load_average": [0.5, 0.4, 0.3],
                    "network_in_bytes": 123456789,
                    "network_out_bytes": 987654321
                },
                "containers": [
                    { "id": "abc123", "name": "myapp_web_1", "image": "myapp:latest", "status": "running",
                      "health": "healthy", "uptime_seconds": 86400, "cpu_percent": 5.2, "memory_mb": 256 },
                    { "id": "def456", "name": "myapp_db_1", "image": "postgres:16", "status": "running",
                      "health": "healthy", "uptime_seconds": 86400, "cpu_percent": 2.1, "memory_mb": 512 }
                ],
                "agent_version": "1.0.0"
            }
            """;

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, body);

        var json = await PanelHost.ReadJsonAsync(response, 200);
        Assert.Equal(["status", "server_time", "next_heartbeat_seconds"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal($"{now:yyyy-MM-dd'T'HH:mm:ss'Z'}", json.GetProperty("server_time").GetString());
        Assert.Equal(60, json.GetProperty("next_heartbeat_seconds").GetInt32());
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task The_answers_to_a_heartbeat_and_to_healthz_carry_their_length_and_are_not_chunked()
    {
        var server = await Panel.NewServerAsync();

        using var response = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        using var health = await Panel.SendAsync(HttpMethod.Get, "/healthz", bearer: null);
        var healthBody = await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        // Sent whole with its length: Kestrel answered both chunked before (docs/decisions/ingest-throughput.md, fifteenth pass).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(body.Length.ToString(CultureInfo.InvariantCulture), response.Content.Headers.NonValidated["Content-Length"].ToString());
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["status", "server_time", "next_heartbeat_seconds"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal($"{Panel.Time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}", answer.GetProperty("server_time").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotEqual(true, health.Headers.TransferEncodingChunked);
        Assert.Equal("2", health.Content.Headers.NonValidated["Content-Length"].ToString());
        Assert.Equal("ok", healthBody);
    }

    [Fact]
    public async Task Heartbeat_becomes_the_latest_state_and_last_seen_is_the_panels_receive_time()
    {
        var server = await Panel.NewServerAsync();
        var sampledAt = Panel.Time.GetUtcNow().AddSeconds(-30);

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: sampledAt, agentVersion: "1.0.3"));

        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal("online", state.GetProperty("status").GetString());
        Assert.True(state.GetProperty("online").GetBoolean());
        Assert.Equal("1.0.3", state.GetProperty("agent_version").GetString());
        Assert.Equal(1, state.GetProperty("container_count").GetInt64());
        Assert.Equal(1, state.GetProperty("latest_seq").GetInt64());
        Assert.Equal($"{Panel.Time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}", state.GetProperty("last_seen_at").GetString());
        Assert.Equal($"{sampledAt:yyyy-MM-dd'T'HH:mm:ss'Z'}", state.GetProperty("latest_sample_at").GetString());
        var metrics = state.GetProperty("metrics");
        Assert.Equal(12.5, metrics.GetProperty("cpu_percent").GetDouble());
        Assert.Equal(4096, metrics.GetProperty("ram_total_mb").GetInt64());
        Assert.Equal(45, metrics.GetProperty("disk_used_gb").GetInt64());
        Assert.Equal([0.5, 0.4, 0.3], metrics.GetProperty("load_average").EnumerateArray().Select(e => e.GetDouble()));

        var containers = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers");
        var container = Assert.Single(containers.GetProperty("containers").EnumerateArray());
        Assert.Equal("myapp_web_1", container.GetProperty("name").GetString());
        Assert.Equal(256, container.GetProperty("memory_mb").GetInt64());
    }

    [Fact]
    public async Task An_exited_containers_restart_count_exit_code_oom_and_finish_time_are_kept()
    {
        var server = await Panel.NewServerAsync();
        var finishedAt = new DateTimeOffset(2026, 1, 15, 10, 29, 58, 250, TimeSpan.Zero);
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 1) with
        {
            Containers =
            [
                new ContainerInfo
                {
                    Id = "abc123def456", Name = "worker", Image = "worker:2", Status = "exited", Health = "none",
                    UptimeSeconds = 0, RestartCount = 4, ExitCode = 137, OomKilled = true, FinishedAt = finishedAt,
                },
            ],
        };

        await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat);

        var containers = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers");
        var container = Assert.Single(containers.GetProperty("containers").EnumerateArray());
        Assert.Equal(4, container.GetProperty("restart_count").GetInt32());
        Assert.Equal(137, container.GetProperty("exit_code").GetInt32());
        Assert.True(container.GetProperty("oom_killed").GetBoolean());
        Assert.Equal("2026-01-15T10:29:58Z", container.GetProperty("finished_at").GetString());
    }

    [Fact]
    public async Task A_heartbeat_id_already_stored_is_acknowledged_and_not_stored_again()
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 5);

        await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat);
        Panel.Time.Advance(TimeSpan.FromSeconds(10));
        var second = await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat);

        Assert.Equal("ok", second.Status);
        var history = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats");
        var stored = Assert.Single(history.GetProperty("heartbeats").EnumerateArray());
        Assert.Equal(heartbeat.HeartbeatId, stored.GetProperty("heartbeat_id").GetString());
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal($"{Panel.Time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}", state.GetProperty("last_seen_at").GetString());
    }

    [Fact]
    public async Task One_heartbeat_sent_ten_times_at_once_is_stored_once_and_acknowledged_every_time()
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 8);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await Panel.PostHeartbeatAsync(server.AgentToken, heartbeat);
            return response.StatusCode;
        }));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        var history = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats");
        Assert.Equal(heartbeat.HeartbeatId, Assert.Single(history.GetProperty("heartbeats").EnumerateArray()).GetProperty("heartbeat_id").GetString());
        Assert.Equal(0, Panel.UnhandledErrors);
    }

    [Fact]
    public async Task A_late_heartbeat_goes_into_history_but_never_replaces_the_latest_state()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var newer = Panel.NewHeartbeat(server.ServerId, seq: 10, timestamp: now.AddSeconds(-5), agentVersion: "1.1.0");
        var late = Panel.NewHeartbeat(server.ServerId, seq: 9, timestamp: now.AddMinutes(-5), agentVersion: "1.0.0") with
        {
            Metrics = new HostMetrics { CpuPercent = 99 },
            Containers = null,
        };

        await Panel.HeartbeatOkAsync(server.AgentToken, newer);
        await Panel.HeartbeatOkAsync(server.AgentToken, late);

        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal(10, state.GetProperty("latest_seq").GetInt64());
        Assert.Equal("1.1.0", state.GetProperty("agent_version").GetString());
        Assert.Equal(12.5, state.GetProperty("metrics").GetProperty("cpu_percent").GetDouble());
        var history = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats");
        Assert.Equal([9L, 10L], history.GetProperty("heartbeats").EnumerateArray().Select(h => h.GetProperty("seq").GetInt64()).Order());
    }

    [Fact]
    public async Task A_server_id_of_another_server_is_refused_and_nothing_is_written()
    {
        var mine = await Panel.NewServerAsync();
        var other = await Panel.NewServerAsync();
        var before = await DatabaseSnapshot.TakeAsync(fixture);

        using var response = await Panel.PostHeartbeatAsync(mine.AgentToken, Panel.NewHeartbeat(other.ServerId));

        var error = await PanelHost.ReadJsonAsync(response, 403);
        Assert.Equal("error", error.GetProperty("status").GetString());
        Assert.Equal("server_id", error.GetProperty("field").GetString());
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture));
    }

    [Fact]
    public async Task A_server_is_offline_after_three_intervals_without_a_heartbeat()
    {
        var server = await Panel.NewServerAsync();
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));

        Panel.Time.Advance(TimeSpan.FromSeconds(180));
        var justOnline = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Panel.Time.Advance(TimeSpan.FromSeconds(1));
        var offline = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");

        Assert.Equal("online", justOnline.GetProperty("status").GetString());
        Assert.Equal("offline", offline.GetProperty("status").GetString());
        Assert.False(offline.GetProperty("online").GetBoolean());
        Assert.Equal(180, offline.GetProperty("offline_after_seconds").GetInt32());
    }

    [Fact]
    public async Task Per_server_interval_and_target_version_reach_the_agent_in_the_response()
    {
        var server = await Panel.NewServerAsync();
        using var change = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey,
            """{"next_heartbeat_seconds":30,"target_agent_version":"1.1.0"}""");
        await PanelHost.ReadJsonAsync(change, 200);

        var old = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, agentVersion: "1.0.0"));
        var current = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, agentVersion: "1.1.0"));

        Assert.Equal(30, old.NextHeartbeatSeconds);
        Assert.True(old.UpdateAvailable);
        Assert.Equal("ghcr.io/inte-team/upanel-agent:1.1.0", old.UpdateUrl);
        Assert.Null(current.UpdateAvailable);
        Assert.Null(current.UpdateUrl);

        using var url = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey,
            """{"update_url":"registry.example/agent:1.1.0"}""");
        await PanelHost.ReadJsonAsync(url, 200);
        var custom = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, agentVersion: "1.0.0"));
        Assert.Equal("registry.example/agent:1.1.0", custom.UpdateUrl);
    }

    [Fact]
    public async Task Server_list_shows_which_agents_are_not_on_their_target_version()
    {
        var behind = await Panel.NewServerAsync("behind");
        var current = await Panel.NewServerAsync("current");
        var untargeted = await Panel.NewServerAsync("untargeted");
        foreach (var server in new[] { behind, current })
        {
            using var change = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey,
                """{"target_agent_version":"1.1.0"}""");
            await PanelHost.ReadJsonAsync(change, 200);
        }

        await Panel.HeartbeatOkAsync(behind.AgentToken, Panel.NewHeartbeat(behind.ServerId, agentVersion: "1.0.0"));
        await Panel.HeartbeatOkAsync(current.AgentToken, Panel.NewHeartbeat(current.ServerId, agentVersion: "1.1.0"));
        await Panel.HeartbeatOkAsync(untargeted.AgentToken, Panel.NewHeartbeat(untargeted.ServerId, agentVersion: "1.0.0"));
        var list = await Panel.AdminGetAsync("/api/admin/servers");

        var update = list.GetProperty("servers").EnumerateArray().ToDictionary(
            s => s.GetProperty("id").GetString()!, s => (s.GetProperty("agent_version").GetString(), s.GetProperty("update_available").GetBoolean()));
        Assert.Equal(("1.0.0", true), update[behind.ServerId]);
        Assert.Equal(("1.1.0", false), update[current.ServerId]);
        Assert.Equal(("1.0.0", false), update[untargeted.ServerId]);
    }

    [Fact]
    public async Task Containers_null_means_docker_was_not_asked_and_is_kept_apart_from_none()
    {
        var server = await Panel.NewServerAsync();

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId) with { Containers = null });
        var unknown = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers");
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, timestamp: Panel.Time.GetUtcNow().AddSeconds(1)) with { Containers = [] });
        var none = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/containers");

        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("containers").ValueKind);
        Assert.Equal(0, none.GetProperty("containers").GetArrayLength());
    }

    [Fact]
    public async Task A_gzip_body_is_accepted()
    {
        var server = await Panel.NewServerAsync();
        var json = JsonSerializer.SerializeToUtf8Bytes(Panel.NewHeartbeat(server.ServerId, seq: 77), ContractsJsonContext.Default.Heartbeat);
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(json, TestContext.Current.CancellationToken);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat") { Content = new ByteArrayContent(compressed.ToArray()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.AgentToken);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        using var response = await Panel.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await PanelHost.ReadJsonAsync(response, 200);
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal(77, state.GetProperty("latest_seq").GetInt64());
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json;charset=utf-8")]
    [InlineData("Application/JSON; version=1")]
    public async Task A_json_content_type_with_parameters_is_accepted(string contentType)
    {
        // RFC 9110: a quoted parameter value means the same as the bare token.
        var server = await Panel.NewServerAsync();
        var heartbeat = JsonSerializer.Serialize(Panel.NewHeartbeat(server.ServerId, seq: 3), ContractsJsonContext.Default.Heartbeat);

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, heartbeat, contentType);

        Assert.Equal("ok", (await PanelHost.ReadJsonAsync(response, 200)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_chunked_body_without_length_is_read_and_capped_like_any_other()
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = JsonSerializer.SerializeToUtf8Bytes(Panel.NewHeartbeat(server.ServerId, seq: 5), ContractsJsonContext.Default.Heartbeat);
        var oversized = Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('p', 2 * (int)Panel.Options.MaxBodyBytes) + "\"}");

        using var small = await PostChunkedAsync(server.AgentToken, heartbeat);
        using var large = await PostChunkedAsync(server.AgentToken, oversized);

        await PanelHost.ReadJsonAsync(small, 200);
        await PanelHost.ReadJsonAsync(large, 413);
        Assert.Equal(5, (await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}")).GetProperty("latest_seq").GetInt64());
    }

    private async Task<HttpResponseMessage> PostChunkedAsync(string token, byte[] body)
    {
        // A stream that cannot tell its length makes HttpClient send Transfer-Encoding: chunked.
        var content = new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await Panel.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(request.Headers.TransferEncodingChunked);
        return response;
    }

    [Fact]
    public async Task History_is_newest_first_and_pages_with_next_before()
    {
        var server = await Panel.NewServerAsync();
        var start = Panel.Time.GetUtcNow();
        for (var seq = 1; seq <= 3; seq++)
        {
            await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: seq, timestamp: start.AddSeconds(seq - 10)));
        }

        var first = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats?limit=2");
        var next = first.GetProperty("next_before").GetInt64();
        var second = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats?limit=2&before={next}");

        Assert.Equal([3L, 2L], first.GetProperty("heartbeats").EnumerateArray().Select(h => h.GetProperty("seq").GetInt64()));
        Assert.Equal([1L], second.GetProperty("heartbeats").EnumerateArray().Select(h => h.GetProperty("seq").GetInt64()));
        Assert.False(second.TryGetProperty("next_before", out _));
        using var badLimit = await Panel.SendAsync(HttpMethod.Get, $"/api/admin/servers/{server.ServerId}/heartbeats?limit=0", Panel.AdminKey);
        Assert.Equal("limit", (await PanelHost.ReadJsonAsync(badLimit, 400)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Unknown_server_in_the_admin_api_is_404()
    {
        using var response = await Panel.SendAsync(HttpMethod.Get, "/api/admin/servers/01HQXYZNOSUCHSERVER0000000", Panel.AdminKey);

        var error = await PanelHost.ReadJsonAsync(response, 404);
        Assert.Equal("id", error.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Concurrent_heartbeats_are_all_stored_and_the_newest_wins()
    {
        var server = await Panel.NewServerAsync();
        var start = Panel.Time.GetUtcNow().AddMinutes(-1);

        await Task.WhenAll(Enumerable.Range(1, 20).Select(seq =>
            Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: seq, timestamp: start.AddSeconds(seq)))));

        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        var history = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}/heartbeats?limit=100");
        Assert.Equal(20, state.GetProperty("latest_seq").GetInt64());
        Assert.Equal(20, history.GetProperty("heartbeats").GetArrayLength());
        Assert.Equal(0, Panel.UnhandledErrors);
    }
}
