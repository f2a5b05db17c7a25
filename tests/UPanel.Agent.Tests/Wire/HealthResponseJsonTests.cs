using System.Text;
using System.Text.Json;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

public sealed class HealthResponseJsonTests
{
    [Fact]
    public void Every_sample_is_written_byte_identical_to_the_context_and_read_back()
    {
        var random = new Random(21);
        for (var i = 0; i < 200; i++)
        {
            var response = Sample(random);
            var context = JsonSerializer.SerializeToUtf8Bytes(response, ContractsJsonContext.Default.HealthResponse);

            Assert.Equal(Encoding.UTF8.GetString(context), Encoding.UTF8.GetString(HealthResponseJson.ToUtf8Bytes(response)));
            Assert.Equal(response with { LastHeartbeatAt = WholeSeconds(response.LastHeartbeatAt) }, HealthResponseJson.Read(context));
        }
    }

    [Fact]
    public void The_servers_answer_is_read_with_its_values()
    {
        var body = """{"status":"ok","uptime_seconds":3600,"version":"1.0.0","last_heartbeat_at":"2026-01-15T10:30:00Z","queue_length":2,"panel":"unreachable: timeout","docker":"ok"}"""u8.ToArray();

        var read = HealthResponseJson.Read(body);

        Assert.Equal(
            new HealthResponse
            {
                Status = "ok", UptimeSeconds = 3600, Version = "1.0.0", LastHeartbeatAt = new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero),
                QueueLength = 2, Panel = "unreachable: timeout", Docker = "ok",
            },
            read);
    }

    [Fact]
    public void Unknown_members_are_ignored_and_missing_ones_are_null()
    {
        var read = HealthResponseJson.Read("""{"Status":"bad","version":"2.0","new_thing":{"a":[1,{"b":null}]},"queue_length":null}"""u8.ToArray());

        Assert.Equal(new HealthResponse { Status = "ok", Version = "2.0" }, read);
    }

    [Theory]
    [InlineData("""{"status":1,"version":"1"}""", "\"status\" must be a string")]
    [InlineData("""{"version":"1","uptime_seconds":"3600"}""", "\"uptime_seconds\" must be an integer")]
    [InlineData("""{"version":"1","uptime_seconds":1.5}""", "\"uptime_seconds\" must be an integer")]
    [InlineData("""{"version":"1","uptime_seconds":99999999999999999999}""", "\"uptime_seconds\" must be an integer")]
    [InlineData("""{"version":"1","queue_length":4294967296}""", "\"queue_length\" must be an integer")]
    [InlineData("""{"version":"1","last_heartbeat_at":"yesterday"}""", "\"last_heartbeat_at\" must be an ISO 8601 date")]
    [InlineData("""{"version":"1","last_heartbeat_at":1736937000}""", "\"last_heartbeat_at\" must be an ISO 8601 date")]
    [InlineData("""{"version":["1"]}""", "\"version\" must be a string")]
    [InlineData("""{"status":"ok"}""", "\"version\" is missing")]
    [InlineData("""{"version":null}""", "\"version\" is missing")]
    public void A_member_of_the_wrong_type_is_a_json_exception_naming_it(string body, string message)
    {
        var error = Assert.ThrowsAny<JsonException>(() => HealthResponseJson.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MalformedJson.NotAnObject), MemberType = typeof(MalformedJson))]
    public void Malformed_bodies_are_a_json_exception(string body) =>
        Assert.ThrowsAny<JsonException>(() => HealthResponseJson.Read(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [MemberData(nameof(MalformedJson.NotUtf8), MemberType = typeof(MalformedJson))]
    public void Bodies_that_are_not_utf8_are_a_json_exception(byte[] body) =>
        Assert.ThrowsAny<JsonException>(() => HealthResponseJson.Read(body));

    private static HealthResponse Sample(Random random) => new()
    {
        Status = WireSamples.Pick(random, ["ok", "degraded", "é\"\\\u0001"]),
        UptimeSeconds = WireSamples.Pick(random, WireSamples.Longs),
        Version = WireSamples.Pick(random, WireSamples.Texts),
        LastHeartbeatAt = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Timestamps),
        QueueLength = WireSamples.Maybe(random, () => random.Next()),
        Panel = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
        Docker = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
        UpdateAvailable = WireSamples.Maybe(random, () => random.Next(2) == 0),
        UpdateUrl = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
    };

    /// <summary>The wire keeps whole seconds: what comes back is the instant truncated, in UTC.</summary>
    private static DateTimeOffset? WholeSeconds(DateTimeOffset? value) =>
        value is { } v ? new DateTimeOffset(v.UtcTicks - v.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : null;
}
