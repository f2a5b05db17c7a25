using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Configuration;
using UPanel.Agent.Reporting;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

public sealed class HeartbeatFactoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly FakeHostMetricsSource _host = new();
    private readonly FakeContainerSource _containers = new();
    private readonly AgentOptions _options = new() { ServerId = "01HQSERVER", AgentToken = "secret-token" };

    [Fact]
    public async Task Heartbeat_carries_identity_sample_time_metrics_and_containers()
    {
        var status = new AgentStatus(_time);
        var factory = new HeartbeatFactory(_host, _containers, _options, _time, status);

        var heartbeat = await factory.CreateAsync(TestContext.Current.CancellationToken);

        Assert.Equal("01HQSERVER", heartbeat.ServerId);
        Assert.Equal(Now, heartbeat.Timestamp);
        Assert.Same(_host.Metrics, heartbeat.Metrics);
        Assert.Equal("abc123def456", Assert.Single(heartbeat.Containers!).Id);
        Assert.Equal(AgentInfo.Version, heartbeat.AgentVersion);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), heartbeat.Seq);
        Assert.True(Ulid.TryParse(heartbeat.HeartbeatId, out var id));
        Assert.Equal(Now, id.Time);
        Assert.True(status.DockerAvailable);
    }

    [Fact]
    public async Task Containers_are_null_not_empty_when_docker_cannot_be_asked()
    {
        _containers.Containers = null;
        var status = new AgentStatus(_time);
        var factory = new HeartbeatFactory(_host, _containers, _options, _time, status);

        var heartbeat = await factory.CreateAsync(TestContext.Current.CancellationToken);

        Assert.Null(heartbeat.Containers);
        var json = JsonSerializer.SerializeToElement(heartbeat, ContractsJsonContext.Default.Heartbeat);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("containers").ValueKind);
        Assert.False(status.DockerAvailable);
    }

    [Fact]
    public async Task No_containers_is_an_empty_list()
    {
        _containers.Containers = [];
        var factory = new HeartbeatFactory(_host, _containers, _options, _time);

        var heartbeat = await factory.CreateAsync(TestContext.Current.CancellationToken);

        var json = JsonSerializer.SerializeToElement(heartbeat, ContractsJsonContext.Default.Heartbeat);
        Assert.Equal(0, json.GetProperty("containers").GetArrayLength());
    }

    [Fact]
    public async Task Seq_increases_and_ids_are_unique_even_when_the_clock_stands_still_or_steps_back()
    {
        var factory = new HeartbeatFactory(_host, _containers, _options, _time);
        var heartbeats = new List<Heartbeat>();
        for (var i = 0; i < 3; i++)
        {
            heartbeats.Add(await factory.CreateAsync(TestContext.Current.CancellationToken));
        }

        _time.AdjustTime(Now.AddMinutes(-5));
        heartbeats.Add(await factory.CreateAsync(TestContext.Current.CancellationToken));

        var seqs = heartbeats.Select(h => h.Seq!.Value).ToList();
        Assert.Equal([Now.ToUnixTimeMilliseconds(), Now.ToUnixTimeMilliseconds() + 1, Now.ToUnixTimeMilliseconds() + 2, Now.ToUnixTimeMilliseconds() + 3], seqs);
        Assert.Equal(4, heartbeats.Select(h => h.HeartbeatId).Distinct().Count());
    }

    [Fact]
    public async Task Seq_after_a_restart_is_above_the_seq_before_it()
    {
        var before = new HeartbeatFactory(_host, _containers, _options, _time);
        var last = await before.CreateAsync(TestContext.Current.CancellationToken);
        last = await before.CreateAsync(TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(1));
        var after = new HeartbeatFactory(_host, _containers, _options, _time);
        var first = await after.CreateAsync(TestContext.Current.CancellationToken);

        Assert.True(first.Seq > last.Seq);
    }
}
