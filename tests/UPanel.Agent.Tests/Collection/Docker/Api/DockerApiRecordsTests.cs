using System.Text;
using System.Text.Json;
using UPanel.Agent.Collection.Docker.Api;
using UPanel.Agent.Tests.Wire;

namespace UPanel.Agent.Tests.Collection.Docker.Api;

/// <summary>The Engine API records read the engine's real answers (Fixtures/engine-api) and refuse what they cannot use.</summary>
public sealed class DockerApiRecordsTests
{
    private const string HealthyId = "5aea2af287925afe2d849c38596164a04b67b0d3aad65658d9773e141f1807fb";
    private const string RunningId = "e6a0030bf26cb313f368d8b67261a19699963f7737ad43456eca3b1f89abab49";
    private const string ExitedId = "4f72c97b2481a828ee758db0ecfc6264f6a5a40d57f6e42f3ad11866cedd821c";
    private const string CreatedId = "f554d3eeb853cea473aef0fce609e592530c43cb8a5bf049a87186ccdf5c2ade";

    [Fact]
    public void Version_gives_the_api_versions()
    {
        var version = DockerVersionResponse.Read(Captured("version.json"));

        Assert.Equal(new DockerVersionResponse { Version = "20.10.24+dfsg1", ApiVersion = "1.41", MinAPIVersion = "1.12" }, version);
    }

    [Fact]
    public void Container_list_gives_every_container_with_its_values()
    {
        var list = DockerContainerSummary.ReadList(Captured("containers-list.json"));

        Assert.Equal(
            [
                (ExitedId, "/upanel-json-exited", "exited", "Exited (3) 4 seconds ago"),
                (CreatedId, "/upanel-json-created", "created", "Created"),
                (RunningId, "/upanel-json-plain", "running", "Up 4 seconds"),
                (HealthyId, "/upanel-json-healthy", "running", "Up 4 seconds (healthy)"),
            ],
            list.Select(c => (c.Id, Assert.Single(c.Names!), c.State, c.Status)));
        Assert.All(list, c => Assert.Equal("upanel-test/busybox", c.Image));
    }

    [Theory]
    [InlineData("inspect-healthy.json", HealthyId, "running", 0, "2026-11-27T09:09:09.330698511Z", "0001-01-01T00:00:00Z", "healthy")]
    [InlineData("inspect-running.json", RunningId, "running", 0, "2026-11-27T09:09:09.572083019Z", "0001-01-01T00:00:00Z", null)]
    [InlineData("inspect-exited.json", ExitedId, "exited", 3, "2026-11-27T09:09:09.815238888Z", "2026-11-27T09:09:09.810431424Z", null)]
    [InlineData("inspect-created.json", CreatedId, "created", 0, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", null)]
    public void Inspect_gives_state_exit_code_start_finish_and_health(string fixture, string id, string status, int exitCode, string startedAt, string finishedAt, string? health)
    {
        var inspect = DockerContainerInspect.Read(Captured(fixture));

        Assert.Equal(id, inspect.Id);
        Assert.Equal(0, inspect.RestartCount);
        Assert.NotNull(inspect.State);
        Assert.Equal(status, inspect.State.Status);
        Assert.Equal(exitCode, inspect.State.ExitCode);
        Assert.False(inspect.State.OomKilled);
        Assert.Equal(startedAt, inspect.State.StartedAt);
        Assert.Equal(finishedAt, inspect.State.FinishedAt);
        Assert.Equal(health, inspect.State.Health?.Status);
    }

    [Fact]
    public void One_shot_stats_give_cpu_time_memory_usage_and_memory_stat()
    {
        var stats = DockerStatsResponse.Read(Captured("stats-one-shot.json"));

        Assert.Equal(21576295UL, stats.CpuStats?.CpuUsage?.TotalUsage);
        Assert.Equal(307200UL, stats.MemoryStats?.Usage);
        Assert.NotNull(stats.MemoryStats?.Stats);
        Assert.Equal(32, stats.MemoryStats.Stats.Count);
        Assert.Equal(0UL, stats.MemoryStats.Stats["total_inactive_file"]);
        Assert.Equal(45056UL, stats.MemoryStats.Stats["inactive_anon"]);
        Assert.Equal(9223372036854771712UL, stats.MemoryStats.Stats["hierarchical_memory_limit"]);
    }

    [Fact]
    public void Every_event_line_gives_type_action_and_container_id()
    {
        var events = File.ReadAllLines(CapturedPath("events.jsonl")).Select(line => DockerEvent.Read(Encoding.UTF8.GetBytes(line))).ToList();

        Assert.Equal(35, events.Count);
        Assert.All(events, e => Assert.Equal("container", e.Type));
        Assert.Equal(
            ["create", "start", "create", "start", "create", "create", "start", "die"],
            events.Take(8).Select(e => e.Action));
        Assert.Equal(HealthyId, events[0].Actor?.ID);
        Assert.Single(events, e => e.Action == "health_status: healthy" && e.Actor?.ID == HealthyId);
        Assert.Equal(["kill", "die"], events.Where(e => e.Actor?.ID == RunningId).Select(e => e.Action).TakeLast(2));
    }

    [Fact]
    public void The_engines_error_body_gives_its_message()
    {
        Assert.Equal("No such container: nonexistent-upanel", DockerErrorResponse.Read(Captured("error-no-such-container.json")).Message);
    }

    [Fact]
    public void Member_names_match_ignoring_case_as_compatible_engines_vary()
    {
        var inspect = DockerContainerInspect.Read("""{"id":"abc","restartcount":2,"state":{"status":"running","oomkilled":true,"exitcode":137,"health":{"status":"unhealthy"}}}"""u8.ToArray());

        Assert.Equal("abc", inspect.Id);
        Assert.Equal(2, inspect.RestartCount);
        Assert.Equal(new DockerContainerState { Status = "running", OomKilled = true, ExitCode = 137, Health = new DockerHealth { Status = "unhealthy" } }, inspect.State);
    }

    [Fact]
    public void Missing_optional_members_are_null_or_zero()
    {
        var inspect = DockerContainerInspect.Read("""{"Id":"abc","State":null}"""u8.ToArray());
        var stats = DockerStatsResponse.Read("""{"cpu_stats":{},"memory_stats":{"usage":5}}"""u8.ToArray());
        var dockerEvent = DockerEvent.Read("""{"status":"start","id":"abc"}"""u8.ToArray());
        var entry = Assert.Single(DockerContainerSummary.ReadList("""[{"Id":"abc"}]"""u8.ToArray()));

        Assert.Equal(new DockerContainerInspect { Id = "abc" }, inspect);
        Assert.Null(stats.CpuStats?.CpuUsage);
        Assert.Equal(new DockerMemoryStats { Usage = 5 }, stats.MemoryStats);
        Assert.Equal(new DockerEvent(), dockerEvent);
        Assert.Equal(new DockerContainerSummary { Id = "abc" }, entry);
    }

    [Theory]
    [InlineData("list", """{"Id":"abc"}""", "/containers/json: expected a JSON array")]
    [InlineData("list", """[null]""", "expected a JSON object, got null")]
    [InlineData("list", """[{"Names":["/x"]}]""", "\"Id\" is missing")]
    [InlineData("list", """[{"Id":"abc","Names":"/x"}]""", "\"Names\" must be an array of strings")]
    [InlineData("list", """[{"Id":"abc","Names":[1]}]""", "\"Names\" must be an array of strings")]
    [InlineData("inspect", """{"Id":"abc","RestartCount":"3"}""", "\"RestartCount\" must be an integer")]
    [InlineData("inspect", """{"Id":"abc","RestartCount":3000000000}""", "\"RestartCount\" must be an integer")]
    [InlineData("inspect", """{"Id":"abc","State":[]}""", "expected a JSON object, got an array")]
    [InlineData("inspect", """{"Id":"abc","State":{"OOMKilled":"false"}}""", "\"OOMKilled\" must be true or false")]
    [InlineData("inspect", """{"Id":7}""", "\"Id\" must be a string")]
    [InlineData("stats", """{"memory_stats":{"usage":-1}}""", "\"usage\" must be an unsigned integer")]
    [InlineData("stats", """{"memory_stats":{"usage":18446744073709551616}}""", "\"usage\" must be an unsigned integer")]
    [InlineData("stats", """{"memory_stats":{"stats":{"cache":1.5}}}""", "\"stats\" must be an unsigned integer")]
    [InlineData("stats", """{"memory_stats":{"stats":[1]}}""", "\"stats\" must be an object of unsigned integers")]
    [InlineData("stats", """{"cpu_stats":{"cpu_usage":{"total_usage":"1"}}}""", "\"total_usage\" must be an unsigned integer")]
    [InlineData("event", """{"Type":"container","Actor":"abc"}""", "expected a JSON object, got a string")]
    [InlineData("event", """{"Action":["die"]}""", "\"Action\" must be a string")]
    [InlineData("version", """{"ApiVersion":1.41}""", "\"ApiVersion\" must be a string")]
    [InlineData("error", """{"message":{"text":"x"}}""", "\"message\" must be a string")]
    public void A_member_of_the_wrong_type_is_a_json_exception_naming_it(string record, string body, string message)
    {
        var error = Assert.Throws<JsonException>(() => Read(record, Encoding.UTF8.GetBytes(body)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void Malformed_bodies_are_a_json_exception(string record, string body) =>
        Assert.ThrowsAny<JsonException>(() => Read(record, Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("list")]
    [InlineData("inspect")]
    [InlineData("event")]
    public void Text_that_is_not_utf8_is_a_json_exception(string record)
    {
        var body = Encoding.Latin1.GetBytes(record == "list" ? "[{\"Id\":\"caf\u00e9\"}]" : "{\"Id\":\"caf\u00e9\",\"Type\":\"caf\u00e9\"}");

        Assert.ThrowsAny<JsonException>(() => Read(record, body));
    }

    public static TheoryData<string, string> MalformedBodies()
    {
        var data = new TheoryData<string, string>();
        foreach (var record in new[] { "version", "list", "inspect", "stats", "event", "error" })
        {
            foreach (var body in MalformedJson.NotAnObject)
            {
                // An array is what the list is; every other malformed body is malformed for all.
                if (record == "list" && body.Data == "[]")
                {
                    continue;
                }

                data.Add(record, body.Data);
            }
        }

        return data;
    }

    private static object Read(string record, byte[] body) => record switch
    {
        "version" => DockerVersionResponse.Read(body),
        "list" => DockerContainerSummary.ReadList(body),
        "inspect" => DockerContainerInspect.Read(body),
        "stats" => DockerStatsResponse.Read(body),
        "event" => DockerEvent.Read(body),
        "error" => DockerErrorResponse.Read(body),
        _ => throw new ArgumentOutOfRangeException(nameof(record)),
    };

    private static byte[] Captured(string name) => File.ReadAllBytes(CapturedPath(name));

    private static string CapturedPath(string name) => DockerFixtures.EngineApi(name);
}
