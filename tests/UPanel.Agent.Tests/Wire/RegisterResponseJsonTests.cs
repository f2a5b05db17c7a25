using System.Text;
using System.Text.Json;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

public sealed class RegisterResponseJsonTests
{
    [Fact]
    public void Reads_what_the_context_writes()
    {
        var random = new Random(41);
        for (var i = 0; i < 200; i++)
        {
            var response = new RegisterResponse
            {
                Status = WireSamples.Pick(random, WireSamples.Texts),
                ServerId = WireSamples.Pick(random, WireSamples.Texts),
                AgentToken = WireSamples.Pick(random, WireSamples.Texts),
                PanelUrl = WireSamples.Pick(random, WireSamples.Texts),
                NextHeartbeatSeconds = WireSamples.Maybe(random, () => WireSamples.Pick(random, new[] { 60, 0, int.MaxValue, int.MinValue })),
            };

            Assert.Equal(response, RegisterResponseJson.Read(JsonSerializer.SerializeToUtf8Bytes(response, ContractsJsonContext.Default.RegisterResponse)));
        }
    }

    [Fact]
    public void Reads_the_panels_answer()
    {
        Assert.Equal(
            new RegisterResponse
            {
                ServerId = "01M8E4BBBQT682TTAZ0DACYT6B",
                AgentToken = "vFSpOuEFpt2LR23z6HNvxo9j31Z7VWdLSMErxs2dbI993Nt0y9paNAlsHTv0rLfO",
                PanelUrl = "http://127.0.0.1:35233",
                NextHeartbeatSeconds = 60,
            },
            RegisterResponseJson.Read(WireSamples.Panel("register-200.json")));
    }

    [Fact]
    public void Panel_url_may_be_missing_as_from_a_panel_written_from_the_seed_alone()
    {
        var read = RegisterResponseJson.Read("""{"status":"ok","server_id":"s","agent_token":"eyJ.x.y"}"""u8.ToArray());

        Assert.Equal(new RegisterResponse { ServerId = "s", AgentToken = "eyJ.x.y" }, read);
    }

    [Fact]
    public void Unknown_members_are_ignored_and_the_optional_interval_may_be_missing()
    {
        var read = RegisterResponseJson.Read("""{"server_id":"s","agent_token":"t","panel_url":"u","extra":[{"x":1}],"Server_Id":"other"}"""u8.ToArray());

        Assert.Equal(new RegisterResponse { ServerId = "s", AgentToken = "t", PanelUrl = "u" }, read);
    }

    [Theory]
    [InlineData("""{"agent_token":"t","panel_url":"u"}""", "\"server_id\" is missing")]
    [InlineData("""{"server_id":null,"agent_token":"t","panel_url":"u"}""", "\"server_id\" is missing")]
    [InlineData("""{"server_id":"s","panel_url":"u"}""", "\"agent_token\" is missing")]
    [InlineData("""{"server_id":42,"agent_token":"t","panel_url":"u"}""", "\"server_id\" must be a string")]
    [InlineData("""{"server_id":"s","agent_token":{"v":"t"},"panel_url":"u"}""", "\"agent_token\" must be a string")]
    [InlineData("""{"server_id":"s","agent_token":"t","panel_url":"u","next_heartbeat_seconds":"60"}""", "\"next_heartbeat_seconds\" must be an integer")]
    [InlineData("""{"server_id":"s","agent_token":"t","panel_url":"u","next_heartbeat_seconds":60.5}""", "\"next_heartbeat_seconds\" must be an integer")]
    [InlineData("""{"server_id":"s","agent_token":"t","panel_url":"u","next_heartbeat_seconds":1e20}""", "\"next_heartbeat_seconds\" must be an integer")]
    [InlineData("""{"server_id":"s","agent_token":"t","panel_url":"u","status":false}""", "\"status\" must be a string")]
    public void A_missing_or_mistyped_member_is_a_json_exception_naming_it(string body, string message)
    {
        var error = Assert.Throws<JsonException>(() => RegisterResponseJson.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MalformedJson.NotAnObject), MemberType = typeof(MalformedJson))]
    public void Malformed_bodies_are_a_json_exception(string body) =>
        Assert.ThrowsAny<JsonException>(() => RegisterResponseJson.Read(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [MemberData(nameof(MalformedJson.NotUtf8), MemberType = typeof(MalformedJson))]
    public void Bodies_that_are_not_utf8_are_a_json_exception(byte[] body) =>
        Assert.ThrowsAny<JsonException>(() => RegisterResponseJson.Read(body));
}
