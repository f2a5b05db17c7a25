using System.Text;
using System.Text.Json;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

public sealed class ErrorResponseJsonTests
{
    [Fact]
    public void Reads_what_the_context_writes()
    {
        var random = new Random(51);
        for (var i = 0; i < 100; i++)
        {
            var response = new ErrorResponse
            {
                Error = WireSamples.Pick(random, WireSamples.Texts),
                Field = random.Next(2) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
            };

            Assert.Equal(response, ErrorResponseJson.Read(JsonSerializer.SerializeToUtf8Bytes(response, ContractsJsonContext.Default.ErrorResponse)));
        }
    }

    [Theory]
    [InlineData("heartbeat-400.json", "timestamp: required", "timestamp")]
    [InlineData("heartbeat-400-field.json", "metrics.cpu_percent: must be a finite number between 0 and 100", "metrics.cpu_percent")]
    [InlineData("heartbeat-401.json", "missing, invalid, expired or revoked token", null)]
    [InlineData("register-400.json", "os_version: required", "os_version")]
    public void Reads_the_panels_error_answers(string fixture, string error, string? field) =>
        Assert.Equal(new ErrorResponse { Error = error, Field = field }, ErrorResponseJson.Read(WireSamples.Panel(fixture)));

    [Theory]
    [InlineData("""{"status":"error"}""", "\"error\" is missing")]
    [InlineData("""{"error":404}""", "\"error\" must be a string")]
    [InlineData("""{"error":"x","field":["a"]}""", "\"field\" must be a string")]
    public void A_missing_or_mistyped_member_is_a_json_exception_naming_it(string body, string message)
    {
        var error = Assert.Throws<JsonException>(() => ErrorResponseJson.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MalformedJson.NotAnObject), MemberType = typeof(MalformedJson))]
    public void Malformed_bodies_are_a_json_exception(string body) =>
        Assert.ThrowsAny<JsonException>(() => ErrorResponseJson.Read(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [MemberData(nameof(MalformedJson.NotUtf8), MemberType = typeof(MalformedJson))]
    public void Bodies_that_are_not_utf8_are_a_json_exception(byte[] body) =>
        Assert.ThrowsAny<JsonException>(() => ErrorResponseJson.Read(body));
}
