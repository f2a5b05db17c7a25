using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

public sealed class HeartbeatJsonTests
{
    private static readonly JsonTypeInfo<Heartbeat> Indented =
        (JsonTypeInfo<Heartbeat>)new JsonSerializerOptions(ContractsJsonContext.Default.Options) { WriteIndented = true }.GetTypeInfo(typeof(Heartbeat));

    [Fact]
    public void The_seed_heartbeat_is_written_as_the_contract_shows()
    {
        var heartbeat = new Heartbeat
        {
            ServerId = "01HQXYZ",
            Timestamp = new DateTimeOffset(2026, 1, 15, 12, 30, 0, TimeSpan.FromHours(2)),
            Metrics = new HostMetrics { CpuPercent = 23.5, RamUsedMb = 1024, LoadAverage = [0.5, 0.4, 0.3] },
            Containers = null,
            AgentVersion = "1.0.0",
            Seq = 7,
        };

        Assert.Equal(
            """{"server_id":"01HQXYZ","timestamp":"2026-01-15T10:30:00Z","metrics":{"cpu_percent":23.5,"ram_used_mb":1024,"load_average":[0.5,0.4,0.3]},"containers":null,"agent_version":"1.0.0","seq":7}""",
            Encoding.UTF8.GetString(HeartbeatJson.ToUtf8Bytes(heartbeat)));
    }

    [Fact]
    public void Every_member_set_is_byte_identical_to_the_context()
    {
        var heartbeat = new Heartbeat
        {
            ServerId = "01JSERVER",
            Timestamp = new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero),
            Metrics = new HostMetrics
            {
                CpuPercent = 0.1 + 0.2, RamUsedMb = 1, RamTotalMb = 2, DiskUsedGb = 3, DiskTotalGb = 4,
                LoadAverage = [1.0 / 3, 2.0 / 3, 1e-7], NetworkInBytes = long.MaxValue, NetworkOutBytes = long.MinValue,
            },
            Containers =
            [
                new ContainerInfo
                {
                    Id = "abc123def456", Name = "web", Image = "nginx:1.27", Status = "running", Health = "healthy",
                    UptimeSeconds = 86400, CpuPercent = 123.456789012345678, MemoryMb = 256, RestartCount = 2, ExitCode = 137, OomKilled = true,
                    FinishedAt = new DateTimeOffset(2026, 1, 15, 10, 29, 59, 123, TimeSpan.FromHours(2)),
                },
            ],
            AgentVersion = "1.0.0",
            HeartbeatId = "01JHEARTBEAT",
            Seq = 4711,
        };

        AssertSameAsContext(heartbeat);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(500)]
    public void Random_heartbeats_are_byte_identical_to_the_context(int containers)
    {
        var random = new Random(containers + 1000);
        for (var i = 0; i < 50; i++)
        {
            AssertSameAsContext(WireSamples.Heartbeat(random, containers));
        }
    }

    [Fact]
    public void Every_text_and_number_sample_is_byte_identical_to_the_context()
    {
        var random = new Random(7);
        foreach (var text in WireSamples.Texts)
        {
            AssertSameAsContext(WireSamples.Heartbeat(random, 1) with
            {
                ServerId = text,
                Containers = [WireSamples.Container(random) with { Name = text, Image = text }],
            });
        }

        foreach (var number in WireSamples.Doubles)
        {
            AssertSameAsContext(WireSamples.Heartbeat(random, 1) with { Metrics = new HostMetrics { CpuPercent = number, LoadAverage = [number] } });
        }

        foreach (var timestamp in WireSamples.Timestamps)
        {
            AssertSameAsContext(WireSamples.Heartbeat(random, 0) with { Timestamp = timestamp });
        }
    }

    [Fact]
    public void Timestamps_are_utc_whole_seconds_with_a_z()
    {
        var heartbeat = WireSamples.Heartbeat(new Random(1), -1) with
        {
            Timestamp = new DateTimeOffset(2025, 12, 31, 23, 30, 59, TimeSpan.FromHours(-5.5)).AddTicks(9_999_999),
        };

        using var json = JsonDocument.Parse(HeartbeatJson.ToUtf8Bytes(heartbeat));

        Assert.Equal("2026-01-01T05:00:59Z", json.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void Containers_null_is_written_and_an_empty_list_stays_empty()
    {
        var heartbeat = WireSamples.Heartbeat(new Random(2), -1);

        using var none = JsonDocument.Parse(HeartbeatJson.ToUtf8Bytes(heartbeat));
        using var empty = JsonDocument.Parse(HeartbeatJson.ToUtf8Bytes(heartbeat with { Containers = [] }));

        Assert.Equal(JsonValueKind.Null, none.RootElement.GetProperty("containers").ValueKind);
        Assert.Equal(0, empty.RootElement.GetProperty("containers").GetArrayLength());
    }

    [Fact]
    public void Collect_output_is_the_context_indented()
    {
        var random = new Random(3);
        for (var i = 0; i < 20; i++)
        {
            var heartbeat = WireSamples.Heartbeat(random, i % 4);

            Assert.Equal(JsonSerializer.Serialize(heartbeat, Indented), Encoding.UTF8.GetString(HeartbeatJson.ToUtf8Bytes(heartbeat, indented: true)));
        }
    }

    [Fact]
    public void NaN_is_refused_as_the_context_refuses_it()
    {
        var heartbeat = WireSamples.Heartbeat(new Random(4), 0) with { Metrics = new HostMetrics { CpuPercent = double.NaN } };

        var context = Assert.ThrowsAny<ArgumentException>(() => JsonSerializer.SerializeToUtf8Bytes(heartbeat, ContractsJsonContext.Default.Heartbeat));
        var agent = Assert.ThrowsAny<ArgumentException>(() => HeartbeatJson.ToUtf8Bytes(heartbeat));
        Assert.Equal(context.GetType(), agent.GetType());
    }

    private static void AssertSameAsContext(Heartbeat heartbeat) =>
        Assert.Equal(
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(heartbeat, ContractsJsonContext.Default.Heartbeat)),
            Encoding.UTF8.GetString(HeartbeatJson.ToUtf8Bytes(heartbeat)));
}
