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
    [InlineData("heartbeat-401-unauthenticated.json", "Unauthenticated.", null)]
    [InlineData("heartbeat-422-validation.json", "The containers.0.health field is required. (and 1 more error)", "containers.0.health")]
    [InlineData("heartbeat-422-validation-legacy.json", "The given data was invalid. The timestamp field is required.", "timestamp")]
    public void Reads_a_laravel_panels_error_answers(string fixture, string error, string? field) =>
        Assert.Equal(new ErrorResponse { Error = error, Field = field }, ErrorResponseJson.Read(Encoding.UTF8.GetBytes(WireSamples.SeedPanel(fixture))));

    [Theory]
    [InlineData("""{"type":"about:blank","title":"Bad Request","status":400,"detail":"seq must not be negative"}""", "seq must not be negative")]
    [InlineData("""{"title":"Too Many Requests","status":429}""", "Too Many Requests")]
    [InlineData("""{"message":"Slow down","errors":{"x":{"y":1}}}""", "Slow down")]
    public void Reads_a_problem_details_answer_and_odd_laravel_errors(string body, string error) =>
        Assert.Equal(error, ErrorResponseJson.Read(Encoding.UTF8.GetBytes(body)).Error);

    [Theory]
    [InlineData("""{"status":"error"}""", "none of \"error\", \"message\", \"detail\" or \"title\"")]
    [InlineData("""{"message":["x"]}""", "\"message\" must be a string")]
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
