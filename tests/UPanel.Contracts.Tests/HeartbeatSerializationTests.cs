using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Contracts.Tests;

public sealed class HeartbeatSerializationTests
{
    [Fact]
    public void Heartbeat_is_snake_case_with_utc_timestamp_and_explicit_null_containers()
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

        var json = JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat);

        Assert.Equal(
            """{"server_id":"01HQXYZ","timestamp":"2026-01-15T10:30:00Z","metrics":{"cpu_percent":23.5,"ram_used_mb":1024,"load_average":[0.5,0.4,0.3]},"containers":null,"agent_version":"1.0.0","seq":7}""",
            json);
    }

    [Fact]
    public void Seed_heartbeat_response_reads_and_unknown_fields_are_ignored()
    {
        var response = JsonSerializer.Deserialize(
            """{"status":"ok","server_time":"2024-01-15T10:30:01Z","next_heartbeat_seconds":30,"something_new":{"a":1}}""",
            ContractsJsonContext.Default.HeartbeatResponse);

        Assert.NotNull(response);
        Assert.Equal("ok", response.Status);
        Assert.Equal(30, response.NextHeartbeatSeconds);
        Assert.Equal(new DateTimeOffset(2024, 1, 15, 10, 30, 1, TimeSpan.Zero), response.ServerTime);
    }

    [Fact]
    public void A_number_sent_as_a_string_is_rejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"server_id":"a","timestamp":"2024-01-15T10:30:00Z","metrics":{"cpu_percent":"12"},"agent_version":"1"}""",
            ContractsJsonContext.Default.Heartbeat));
    }

    [Theory]
    [InlineData("2026-01-15T10:30:00")]
    [InlineData("2026-01-15T10:30:00.1234567")]
    [InlineData("2026-01-15")]
    public void A_timestamp_without_an_offset_is_refused_not_read_as_local_time(string timestamp)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            $$"""{"server_id":"a","timestamp":"{{timestamp}}","metrics":{},"agent_version":"1"}""",
            ContractsJsonContext.Default.Heartbeat));

        Assert.Equal("$.timestamp", error.Path);
    }

    [Theory]
    [InlineData("2026-01-15T10:30:00Z", 0)]
    [InlineData("2026-01-15T10:30:00.5Z", 0)]
    [InlineData("2026-01-15T12:30:00+02:00", 120)]
    [InlineData("2026-01-15T05:30:00-05:00", -300)]
    public void A_timestamp_with_an_offset_is_that_instant(string timestamp, int offsetMinutes)
    {
        var heartbeat = JsonSerializer.Deserialize(
            $$"""{"server_id":"a","timestamp":"{{timestamp}}","metrics":{},"agent_version":"1"}""",
            ContractsJsonContext.Default.Heartbeat)!;

        Assert.Equal(new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero), heartbeat.Timestamp!.Value.AddTicks(-(heartbeat.Timestamp.Value.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(TimeSpan.FromMinutes(offsetMinutes), heartbeat.Timestamp!.Value.Offset);
    }
}
