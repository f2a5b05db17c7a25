using System.Text;
using System.Text.Json;
using UPanel.Agent.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

public sealed class HeartbeatResponseJsonTests
{
    [Fact]
    public void Reads_what_the_context_writes()
    {
        var random = new Random(31);
        for (var i = 0; i < 200; i++)
        {
            var response = new HeartbeatResponse
            {
                Status = WireSamples.Pick(random, WireSamples.Texts),
                ServerTime = random.Next(3) == 0 ? null : new DateTimeOffset(2026, 1, 15, 10, 30, random.Next(60), TimeSpan.Zero),
                NextHeartbeatSeconds = WireSamples.Maybe(random, () => WireSamples.Pick(random, new[] { 5, 60, 3600, 0, -1, int.MaxValue, int.MinValue })),
                UpdateAvailable = WireSamples.Maybe(random, () => random.Next(2) == 0),
                UpdateUrl = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
                NewAgentToken = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
            };

            Assert.Equal(response, HeartbeatResponseJson.Read(JsonSerializer.SerializeToUtf8Bytes(response, ContractsJsonContext.Default.HeartbeatResponse)));
        }
    }

    [Fact]
    public void Reads_the_panels_plain_answer()
    {
        Assert.Equal(
            new HeartbeatResponse { ServerTime = new DateTimeOffset(2026, 11, 27, 9, 10, 58, TimeSpan.Zero), NextHeartbeatSeconds = 60 },
            HeartbeatResponseJson.Read(WireSamples.Panel("heartbeat-200.json")));
    }

    [Fact]
    public void Reads_the_panels_answer_with_interval_update_and_rotated_token()
    {
        Assert.Equal(
            new HeartbeatResponse
            {
                ServerTime = new DateTimeOffset(2026, 11, 27, 9, 10, 58, TimeSpan.Zero),
                NextHeartbeatSeconds = 30,
                UpdateAvailable = true,
                UpdateUrl = "ghcr.io/inte-team/upanel-agent:1.1.0",
                NewAgentToken = "cM9FdpJyhwPKkJuVzMGIyEXTVhnsvsRzy2l6gpUzdicDMcf2Nb992Ue8mNn8fi7v",
            },
            HeartbeatResponseJson.Read(WireSamples.Panel("heartbeat-200-rotation-update.json")));
    }

    [Fact]
    public void Server_time_without_an_offset_is_dropped_not_read_as_local_time()
    {
        var read = HeartbeatResponseJson.Read("""{"server_time":"2026-11-27T09:10:58","next_heartbeat_seconds":30}"""u8.ToArray());

        Assert.Equal(new HeartbeatResponse { NextHeartbeatSeconds = 30 }, read);
    }

    [Fact]
    public void Unknown_members_are_ignored_and_names_match_exactly()
    {
        var read = HeartbeatResponseJson.Read(
            """{"future":{"a":[1,2,{"b":null}]},"next_heartbeat_seconds":45,"list":[],"new_agent_token":"tok","Next_Heartbeat_Seconds":5,"NEW_AGENT_TOKEN":"x","Status":"bad"}"""u8.ToArray());

        Assert.Equal(new HeartbeatResponse { NextHeartbeatSeconds = 45, NewAgentToken = "tok" }, read);
    }

    [Theory]
    [InlineData("""{"next_heartbeat_seconds":29.6}""", 30)]
    [InlineData("""{"next_heartbeat_seconds":60.0}""", 60)]
    [InlineData("""{"next_heartbeat_seconds":1e300}""", int.MaxValue)]
    [InlineData("""{"next_heartbeat_seconds":-1e300}""", int.MinValue)]
    [InlineData("""{"next_heartbeat_seconds":1e400}""", null)]
    [InlineData("""{"next_heartbeat_seconds":"60"}""", null)]
    [InlineData("""{"next_heartbeat_seconds":null}""", null)]
    [InlineData("""{"next_heartbeat_seconds":[60]}""", null)]
    public void An_odd_interval_is_rounded_or_dropped(string body, int? expected) =>
        Assert.Equal(expected, HeartbeatResponseJson.Read(Encoding.UTF8.GetBytes(body)).NextHeartbeatSeconds);

    [Fact]
    public void A_member_of_an_odd_shape_is_dropped_alone_so_the_rotation_survives()
    {
        var read = HeartbeatResponseJson.Read(
            """{"status":7,"server_time":"yesterday","next_heartbeat_seconds":29.6,"update_available":"yes","update_url":{},"new_agent_token":"rot"}"""u8.ToArray());

        Assert.Equal(new HeartbeatResponse { NextHeartbeatSeconds = 30, NewAgentToken = "rot" }, read);
    }

    [Fact]
    public void A_member_that_is_not_utf8_is_dropped_alone()
    {
        var body = Encoding.Latin1.GetBytes("{\"update_url\":\"caf\u00e9\",\"new_agent_token\":\"rot\"}");

        Assert.Equal(new HeartbeatResponse { NewAgentToken = "rot" }, HeartbeatResponseJson.Read(body));
    }

    [Theory]
    [MemberData(nameof(MalformedJson.NotAnObject), MemberType = typeof(MalformedJson))]
    public void Malformed_bodies_are_a_json_exception_and_no_response_to_the_client(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        Assert.ThrowsAny<JsonException>(() => HeartbeatResponseJson.Read(bytes));
        Assert.Null(PanelClient.ParseResponse(bytes));
    }
}
