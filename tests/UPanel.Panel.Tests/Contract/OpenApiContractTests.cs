using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using UPanel.Contracts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Contract;

/// <summary>
/// The agent API's contract checked by machine (issue 16): docs/openapi.json describes the seed's bodies, the panel's
/// real answers and a heartbeat with every field set; it marks which fields are the seed's. What the real agent binary
/// sends is checked against it in <see cref="MinimalPanelTests"/>.
/// </summary>
public sealed partial class OpenApiContractTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    private PanelHost Panel => fixture.Host;

    [Theory]
    [InlineData("heartbeat-verbatim.json", "Heartbeat")]
    [InlineData("heartbeat-go-structs.json", "Heartbeat")]
    [InlineData("heartbeat-go-structs-nil-containers.json", "Heartbeat")]
    [InlineData("heartbeat-curl.json", "Heartbeat")]
    [InlineData("heartbeat-response-verbatim.json", "HeartbeatResponse")]
    [InlineData("register-verbatim.json", "RegisterRequest")]
    [InlineData("register-response-verbatim.jsonc", "RegisterResponse")]
    public void Each_seed_body_follows_the_document(string fixtureName, string schema)
    {
        OpenApiContract.AssertValid(schema, SeedFixture(fixtureName), fixtureName);
    }

    [Fact]
    public void The_document_marks_exactly_the_seeds_fields_of_each_body()
    {
        var heartbeat = JsonNode.Parse(SeedFixture("heartbeat-verbatim.json"))!.AsObject();
        var expected = new Dictionary<string, JsonObject>
        {
            ["Heartbeat"] = heartbeat,
            ["HostMetrics"] = heartbeat["metrics"]!.AsObject(),
            ["ContainerInfo"] = heartbeat["containers"]![0]!.AsObject(),
            ["HeartbeatResponse"] = JsonNode.Parse(SeedFixture("heartbeat-response-verbatim.json"))!.AsObject(),
            ["RegisterRequest"] = JsonNode.Parse(SeedFixture("register-verbatim.json"))!.AsObject(),
            ["RegisterResponse"] = JsonNode.Parse(SeedFixture("register-response-verbatim.jsonc"))!.AsObject(),
            ["ErrorResponse"] = [],
        };

        Assert.Equal(expected.Keys.Order(), OpenApiContract.Schemas.Select(s => s.Key).Order());
        foreach (var (schema, body) in expected)
        {
            var marked = OpenApiContract.Schemas[schema]!["x-seed-fields"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
            Assert.Equal(body.Select(p => p.Key).Order(), marked.Order());
            Assert.All(marked, field => Assert.Contains(field, OpenApiContract.Properties(schema)));
        }
    }

    [Theory]
    [InlineData("""{"metrics":{}}""", "server_id")]
    [InlineData("""{"server_id":"s","metrics":{},"undocumented":1}""", "undocumented")]
    [InlineData("""{"server_id":"s","metrics":{"cpu_percent":"12"}}""", "/metrics/cpu_percent")]
    [InlineData("""{"server_id":"s","metrics":{},"timestamp":"yesterday"}""", "/timestamp")]
    [InlineData("""{"server_id":"s","metrics":{},"clock_skew_seconds":3000000000}""", "/clock_skew_seconds")]
    [InlineData("""{"server_id":"s","metrics":{},"containers":[{"id":"a","name":"n","image":"i","status":"running","extra":true}]}""", "/containers/0")]
    public void The_validator_refuses_what_the_document_does_not_allow(string body, string named)
    {
        var errors = OpenApiContract.Errors("Heartbeat", body);

        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    /// <summary>
    /// A heartbeat with every member set (reflection proves none is left null) is written with exactly the document's
    /// properties: a field the document lists but no code fills, or one written but not documented, fails here. The
    /// agent writes the same bytes as this serializer (HeartbeatJsonTests in the agent's tests).
    /// </summary>
    [Fact]
    public void A_heartbeat_with_every_field_set_has_exactly_the_documents_properties()
    {
        var heartbeat = EveryFieldHeartbeat();
        AssertEveryMemberSet(heartbeat);
        AssertEveryMemberSet(heartbeat.Metrics);
        AssertEveryMemberSet(heartbeat.Containers![0]);

        var json = JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat);

        OpenApiContract.AssertValid("Heartbeat", json, "the every-field heartbeat");
        var written = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(OpenApiContract.Properties("Heartbeat").Order(), written.Select(p => p.Key).Order());
        Assert.Equal(OpenApiContract.Properties("HostMetrics").Order(), written["metrics"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(OpenApiContract.Properties("ContainerInfo").Order(), written["containers"]![0]!.AsObject().Select(p => p.Key).Order());
    }

    /// <summary>The heartbeat in DESIGN.md (Fixtures/design-heartbeat.json, cut from it) names only documented fields.</summary>
    [Fact]
    public void The_designs_heartbeat_follows_the_document()
    {
        var design = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Fixtures", "design-heartbeat.json"));

        OpenApiContract.AssertValid("Heartbeat", design, "DESIGN.md's heartbeat");
    }

    [Fact]
    public async Task The_panels_answers_follow_the_document()
    {
        var answers = new List<(string Path, int Status, string Body)>();
        async Task Send(string path, string? bearer, string? body, string contentType = "application/json")
        {
            using var response = await Panel.SendAsync(HttpMethod.Post, path, bearer, body, contentType);
            answers.Add((path, (int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        }

        const string Register = "/api/agent/register";
        const string Heartbeat = "/api/agent/heartbeat";
        await Send(Register, await Panel.CreateInstallTokenAsync(), PanelHost.RegisterBody(machineId: Guid.NewGuid().ToString("N")));
        var server = JsonSerializer.Deserialize(answers[^1].Body, ContractsJsonContext.Default.RegisterResponse)!;
        await Send(Register, "not-a-token", PanelHost.RegisterBody());
        await Send(Register, await Panel.CreateInstallTokenAsync(), """{"hostname":""}""");
        await Send(Register, await Panel.CreateInstallTokenAsync(), "hostname=x", "text/plain");
        await Send(Register, await Panel.CreateInstallTokenAsync(), new string(' ', (1 << 20) + 1));

        var heartbeat = JsonSerializer.Serialize(Panel.NewHeartbeat(server.ServerId, seq: 1), ContractsJsonContext.Default.Heartbeat);
        await Send(Heartbeat, server.AgentToken, heartbeat);
        using (var settings = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", Panel.AdminKey,
                   """{"next_heartbeat_seconds":30,"target_agent_version":"9.9.9"}"""))
        {
            await PanelHost.ReadJsonAsync(settings, 200);
        }

        using (var rotate = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/rotate-token", Panel.AdminKey))
        {
            Assert.True(rotate.IsSuccessStatusCode, await rotate.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        await Send(Heartbeat, server.AgentToken, JsonSerializer.Serialize(Panel.NewHeartbeat(server.ServerId, seq: 2), ContractsJsonContext.Default.Heartbeat));
        await Send(Heartbeat, "not-a-token", heartbeat);
        await Send(Heartbeat, server.AgentToken, """{"server_id":1}""");
        await Send(Heartbeat, server.AgentToken, heartbeat.Replace(server.ServerId, "someone-else", StringComparison.Ordinal));
        await Send(Heartbeat, server.AgentToken, heartbeat, "text/plain");
        await Send(Heartbeat, server.AgentToken, new string(' ', (1 << 20) + 1));

        Assert.Equal(
            [(Register, 200), (Register, 401), (Register, 400), (Register, 415), (Register, 413),
             (Heartbeat, 200), (Heartbeat, 200), (Heartbeat, 401), (Heartbeat, 400), (Heartbeat, 403), (Heartbeat, 415), (Heartbeat, 413)],
            answers.Select(a => (a.Path, a.Status)));
        var rotated = JsonNode.Parse(answers[6].Body)!.AsObject();
        Assert.Equal(["new_agent_token", "next_heartbeat_seconds", "server_time", "status", "update_available", "update_url"], rotated.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (path, status, body) in answers)
        {
            OpenApiContract.AssertValid(OpenApiContract.ResponseSchema(path, status), body, $"the panel's {status} answer to {path}");
        }
    }

    /// <summary>The agent's tests parse these captured answers of our panel: they must be what the document says.</summary>
    [Theory]
    [InlineData("register-200.json", "/api/agent/register", 200)]
    [InlineData("register-400.json", "/api/agent/register", 400)]
    [InlineData("heartbeat-200.json", "/api/agent/heartbeat", 200)]
    [InlineData("heartbeat-200-rotation-update.json", "/api/agent/heartbeat", 200)]
    [InlineData("heartbeat-400.json", "/api/agent/heartbeat", 400)]
    [InlineData("heartbeat-400-field.json", "/api/agent/heartbeat", 400)]
    [InlineData("heartbeat-401.json", "/api/agent/heartbeat", 401)]
    public void The_answers_the_agents_tests_parse_follow_the_document(string file, string path, int status)
    {
        var body = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Agent.Tests", "Wire", "Fixtures", "panel", file));

        OpenApiContract.AssertValid(OpenApiContract.ResponseSchema(path, status), body, file);
    }

    internal static string SeedFixture(string name) =>
        LineComment().Replace(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Fixtures", "seed", name)), "");

    private static Heartbeat EveryFieldHeartbeat() => new()
    {
        ServerId = "01J0000000000000000000000",
        Timestamp = new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero),
        Metrics = new HostMetrics
        {
            CpuPercent = 23.5,
            RamUsedMb = 1024,
            RamTotalMb = 4096,
            DiskUsedGb = 45,
            DiskTotalGb = 100,
            LoadAverage = [0.5, 0.4, 0.3],
            NetworkInBytes = 123456789,
            NetworkOutBytes = 987654321,
        },
        Containers =
        [
            new ContainerInfo
            {
                Id = "abc123def456",
                Name = "myapp_web_1",
                Image = "myapp:latest",
                Status = "exited",
                Health = "none",
                UptimeSeconds = 0,
                CpuPercent = 0,
                MemoryMb = 0,
                RestartCount = 3,
                ExitCode = 137,
                OomKilled = true,
                FinishedAt = new DateTimeOffset(2026, 1, 15, 10, 29, 0, TimeSpan.Zero),
            },
        ],
        AgentVersion = "1.0.0",
        HeartbeatId = "01J0000000000000000000001",
        Seq = 4711,
        DroppedHeartbeats = 2,
        ClockSkewSeconds = -3,
    };

    private static void AssertEveryMemberSet(object value)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.True(property.GetValue(value) is not null, $"{value.GetType().Name}.{property.Name} is not set in the every-field heartbeat");
        }
    }

    /// <summary>The seed's register answer has a <c>// JWT or random token</c> comment after a value.</summary>
    [GeneratedRegex(@"(?<="",)\s*//[^\n]*")]
    private static partial Regex LineComment();
}
