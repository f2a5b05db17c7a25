using System.Net;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Security;

/// <summary>
/// One agent token must not be able to fill the panel's disk or pin what its pages show; a real agent, backlog
/// drain included, must never meet the limits.
/// </summary>
public abstract class HeartbeatQuotaTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_burst_beyond_the_limit_gets_429_with_retry_after_across_two_panels_on_one_database()
    {
        // A second panel on the same database, both with a small limit: the count is in the database, not in a process.
        var quota = new HeartbeatQuota { HeartbeatBurst = 10, HeartbeatsPerSecond = 0.5 };
        await using var first = await PanelHost.StartAsync(fixture.Options with { HeartbeatQuota = quota }, new(Panel.Time.GetUtcNow()));
        await using var second = await PanelHost.StartAsync(fixture.Options with { HeartbeatQuota = quota }, new(Panel.Time.GetUtcNow()));
        var server = await Panel.NewServerAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            var panel = i % 2 == 0 ? first : second;
            using var response = await panel.PostHeartbeatAsync(server.AgentToken, panel.NewHeartbeat(server.ServerId));
            statuses.Add(response.StatusCode);
        }

        using var limited = await second.PostHeartbeatAsync(server.AgentToken, second.NewHeartbeat(server.ServerId));
        var error = await PanelHost.ReadJsonAsync(limited, 429);
        first.Time.Advance(TimeSpan.FromSeconds(2));
        using var later = await first.PostHeartbeatAsync(server.AgentToken, first.NewHeartbeat(server.ServerId));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal("2", limited.Headers.GetValues("Retry-After").Single());
        Assert.StartsWith("too many heartbeats or bytes from this server", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(11, (await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Large_heartbeats_are_limited_by_the_bytes_they_store()
    {
        var quota = new HeartbeatQuota { BytesBurst = 1024 * 1024, BytesPerSecond = 10 * 1024 };
        await using var panel = await PanelHost.StartAsync(fixture.Options with { HeartbeatQuota = quota }, new(Panel.Time.GetUtcNow()));
        var server = await Panel.NewServerAsync();

        var stored = 0;
        HttpResponseMessage? refused = null;
        while (refused is null && stored < 100)
        {
            var response = await panel.PostHeartbeatAsync(server.AgentToken, WithContainers(panel.NewHeartbeat(server.ServerId), 1000));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                stored++;
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }

        using (refused)
        {
            Assert.NotNull(refused);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        }

        // As many as the 1 MiB burst holds, by the bytes of each body.
        var size = JsonSerializer.SerializeToUtf8Bytes(WithContainers(panel.NewHeartbeat(server.ServerId), 1000), ContractsJsonContext.Default.Heartbeat).Length;
        Assert.Equal(quota.Costs(0).ByteLimit / quota.Costs(size).ByteCost, stored);
    }

    [Fact]
    public async Task A_real_agents_whole_backlog_sent_at_once_is_never_limited()
    {
        // The worst an agent sends at once with the default limits: its durable queue at its bounds (issue 11:
        // 16 MiB of large heartbeats, then 24 h of small ones at a 60 s interval), back to back, at one instant.
        var server = await Panel.NewServerAsync();
        var start = Panel.Time.GetUtcNow();
        var refused = 0;
        var large = JsonSerializer.SerializeToUtf8Bytes(WithContainers(Panel.NewHeartbeat(server.ServerId), 1000), ContractsJsonContext.Default.Heartbeat).Length;
        var largeCount = (16 * 1024 * 1024 / large) + 1;
        for (var i = 0; i < largeCount; i++)
        {
            using var response = await Panel.PostHeartbeatAsync(server.AgentToken, WithContainers(Panel.NewHeartbeat(server.ServerId, seq: i, timestamp: start.AddMinutes(i - 3000)), 1000));
            refused += response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }

        for (var i = 0; i < 1440; i++)
        {
            using var response = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: largeCount + i, timestamp: start.AddMinutes(i - 1440)));
            refused += response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }

        Assert.Equal(0, refused);
    }

    [Fact]
    public async Task A_sample_stamped_in_the_future_does_not_pin_the_latest_state()
    {
        var server = await Panel.NewServerAsync();
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: Panel.Time.GetUtcNow().AddMinutes(59)));
        Panel.Time.Advance(TimeSpan.FromMinutes(1));

        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId, seq: 2));

        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal(2, state.GetProperty("latest_seq").GetInt64());
        Assert.Equal($"{Panel.Time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}", state.GetProperty("latest_sample_at").GetString());
    }

    private static Heartbeat WithContainers(Heartbeat heartbeat, int count) => heartbeat with
    {
        Containers = [.. Enumerable.Range(0, count).Select(i => new ContainerInfo
        {
            Id = $"{i:x12}",
            Name = $"app_service_{i}_with_a_longer_name",
            Image = $"registry.example.com/team/app-{i}:1.2.3",
            Status = "running",
            Health = "healthy",
            UptimeSeconds = 86400,
            CpuPercent = 1.5,
            MemoryMb = 256,
        })],
    };
}
