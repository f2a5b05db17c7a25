using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// The API version comes from the ping's <c>Api-Version</c> header; <c>GET /version</c> (a package lookup on Podman, about
/// 1.2 s of its CPU) is asked only when the engine is newer than the client or its ping does not say.
/// </summary>
public sealed class DockerApiNegotiationTests
{
    [Fact]
    public async Task An_engine_no_newer_than_the_client_is_negotiated_from_its_ping_alone()
    {
        await using var engine = FakeEngineSocket.Routing(request => request switch
        {
            "GET /_ping" => FakeEngineSocket.Response(200, "OK", "\"OK\"", "Api-Version: 1.41"),
            "GET /v1.41/containers/json?all=1" => FakeEngineSocket.Response(200, "OK", "[]"),
            _ => FakeEngineSocket.Response(404, "Not Found", """{"message":"not asked for"}"""),
        });
        using var client = new DockerApiClient(engine.Endpoint);

        Assert.Empty(await client.ListContainersAsync(TestContext.Current.CancellationToken));

        Assert.Equal("1.41", client.ApiVersion);
        Assert.Equal(["GET /_ping", "GET /v1.41/containers/json?all=1"], engine.Requests);
    }

    [Theory]
    [InlineData("Api-Version: 1.60", """{"ApiVersion":"1.60","MinAPIVersion":"1.55"}""", "1.55")] // newer: its minimum counts
    [InlineData("Api-Version: 1.52", """{"ApiVersion":"1.52","MinAPIVersion":"1.44"}""", "1.51")] // newer: ours
    [InlineData("X-Other: 1", """{"ApiVersion":"1.30","MinAPIVersion":"1.12"}""", "1.30")] // the ping does not say
    public async Task A_newer_engine_or_one_whose_ping_does_not_say_is_asked_its_version(string pingHeader, string versionBody, string expected)
    {
        await using var engine = FakeEngineSocket.Routing(request => request switch
        {
            "GET /_ping" => FakeEngineSocket.Response(200, "OK", "\"OK\"", pingHeader),
            "GET /version" => FakeEngineSocket.Response(200, "OK", versionBody),
            _ => FakeEngineSocket.Response(200, "OK", "[]"),
        });
        using var client = new DockerApiClient(engine.Endpoint);

        await client.ListContainersAsync(TestContext.Current.CancellationToken);

        Assert.Equal(expected, client.ApiVersion);
        Assert.Equal(["GET /_ping", "GET /version", $"GET /v{expected}/containers/json?all=1"], engine.Requests);
    }

    [Fact]
    public async Task The_real_engine_is_negotiated_without_asking_its_version_and_again_after_a_failure()
    {
        RequiredServices.Docker();
        var engineApi = (await DockerCli.RunAsync("version", "--format", "{{.Server.APIVersion}}")).Trim();
        await using var relay = FakeEngineSocket.RelayingTo("/var/run/docker.sock");
        using var client = new DockerApiClient(relay.Endpoint);
        var token = TestContext.Current.CancellationToken;

        await client.ListContainersAsync(token);
        client.ResetNegotiation(); // what a failed collection does
        await client.ListContainersAsync(token);

        Assert.Equal(engineApi, client.ApiVersion);
        Assert.Equal(["GET /_ping", $"GET /v{engineApi}/containers/json?all=1", "GET /_ping", $"GET /v{engineApi}/containers/json?all=1"], relay.Requests);
    }
}
