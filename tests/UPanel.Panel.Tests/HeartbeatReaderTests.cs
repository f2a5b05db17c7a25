using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using UPanel.Contracts;
using UPanel.Panel.Api;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>
/// The panel's hand-written heartbeat reader (<see cref="HeartbeatReader"/>) against the source-generated deserializer
/// it stands in for: on every body the same heartbeat, or the same error (the same <see cref="JsonException"/> message
/// and path, so the same 400 naming the same field).
/// </summary>
public sealed class HeartbeatReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 22, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_heartbeat_with_every_member_set_is_read_by_hand_to_the_same_values()
    {
        var full = Full();
        var body = JsonSerializer.SerializeToUtf8Bytes(full, ContractsJsonContext.Default.Heartbeat);

        Assert.True(HeartbeatReader.TryRead(body, out var read));

        Assert.Equal("01JEXAMPLESERVER0000000000", read!.ServerId);
        Assert.Equal(Now, read.Timestamp);
        Assert.Equal("2.1.0", read.AgentVersion);
        Assert.Equal("01JEXAMPLEHEARTBEAT0000000", read.HeartbeatId);
        Assert.Equal(long.MaxValue, read.Seq);
        Assert.Equal(7L, read.DroppedHeartbeats);
        Assert.Equal(-3, read.ClockSkewSeconds);
        Assert.Equal(full.Metrics with { LoadAverage = null }, read.Metrics with { LoadAverage = null });
        Assert.Equal([0.5, 0.25, 1e-3], read.Metrics.LoadAverage!);
        Assert.Equal(full.Containers!.Count, read.Containers!.Count);
        for (var i = 0; i < full.Containers.Count; i++)
        {
            Assert.Equal(full.Containers[i], read.Containers[i]);
        }

        var exited = read.Containers[1];
        Assert.Equal((137, true, Now.AddMinutes(-5)), (exited.ExitCode!.Value, exited.OomKilled!.Value, exited.FinishedAt!.Value));
        AssertSameAsDeserializer(body, "full");
    }

    /// <summary>
    /// Every member the contract's metadata lists is one the hand reader knows: sent twice, a known member is handed to
    /// the deserializer (duplicates are its to decide), where an unknown one would be skipped both times. A member added to
    /// the contract and not to the reader fails here.
    /// </summary>
    [Fact]
    public void Every_member_of_the_contract_is_known_to_the_hand_reader()
    {
        var json = JsonSerializer.Serialize(Full(), ContractsJsonContext.Default.Heartbeat);
        var node = JsonNode.Parse(json)!;
        var objects = new (JsonTypeInfo Type, JsonObject Value, string Opening)[]
        {
            (ContractsJsonContext.Default.Heartbeat, node.AsObject(), "{"),
            (ContractsJsonContext.Default.HostMetrics, node["metrics"]!.AsObject(), "\"metrics\":{"),
            (ContractsJsonContext.Default.ContainerInfo, node["containers"]![1]!.AsObject(), "\"containers\":[" + node["containers"]![0]!.ToJsonString() + ",{"),
        };

        foreach (var (type, value, opening) in objects)
        {
            Assert.NotEmpty(type.Properties);
            foreach (var property in type.Properties)
            {
                Assert.True(value.ContainsKey(property.Name), $"the full heartbeat sets {type.Type.Name}.{property.Name}");
                var twice = json.Replace(opening, $"{opening}\"{property.Name}\":{value[property.Name]!.ToJsonString()},", StringComparison.Ordinal);
                Assert.NotEqual(json, twice);
                Assert.False(HeartbeatReader.TryRead(Encoding.UTF8.GetBytes(twice), out _), $"{type.Type.Name}.{property.Name} twice was read by hand");
                AssertSameAsDeserializer(Encoding.UTF8.GetBytes(twice), $"{property.Name} twice");
            }

            // An unknown member, however shaped, is skipped by both.
            var unknown = json.Replace(opening, opening + "\"x_future\":{\"a\":[1,{\"b\":null}],\"c\":\"\\u0041\"},", StringComparison.Ordinal);
            Assert.True(HeartbeatReader.TryRead(Encoding.UTF8.GetBytes(unknown), out _), $"{type.Type.Name} with an unknown member");
            AssertSameAsDeserializer(Encoding.UTF8.GetBytes(unknown), $"{type.Type.Name} unknown member");
        }
    }

    [Fact]
    public void What_agents_and_the_seed_send_is_read_by_hand()
    {
        var bodies = new List<(string Name, string Json)>
        {
            ("full", JsonSerializer.Serialize(Full(), ContractsJsonContext.Default.Heartbeat)),
            ("no containers", JsonSerializer.Serialize(Full() with { Containers = [] }, ContractsJsonContext.Default.Heartbeat)),
            ("containers null", JsonSerializer.Serialize(Full() with { Containers = null }, ContractsJsonContext.Default.Heartbeat)),
            ("minimal", """{"server_id":"s","metrics":{}}"""),
            ("nulls where nullable", """{"server_id":"s","timestamp":null,"metrics":{"cpu_percent":null,"ram_used_mb":null,"load_average":null},"containers":[{"id":"a","name":"b","image":"c","status":"d","health":null,"uptime_seconds":null,"restart_count":null,"exit_code":null,"oom_killed":null,"finished_at":null}],"agent_version":null,"heartbeat_id":null,"seq":null,"dropped_heartbeats":null,"clock_skew_seconds":null}"""),
            ("spaced and escaped values", " \r\n{ \"server_id\" : \"s\\u00e9\\n\" , \"metrics\" : { \"cpu_percent\" : 1E2 , \"load_average\" : [ -0.0 , 1e-5 , 12345678.875 ] } , \"containers\" : [ { \"id\" : \"\\\"\" , \"name\" : \"/web\" , \"image\" : \"日本\" , \"status\" : \"runn\\u0069ng\" , \"cpu_percent\" : -0 , \"memory_mb\" : 0 } ] } \t\n"),
            ("numbers at their limits", """{"server_id":"s","seq":-9223372036854775808,"dropped_heartbeats":9223372036854775807,"clock_skew_seconds":-2147483648,"metrics":{"ram_total_mb":9223372036854775807,"cpu_percent":1.7976931348623157e308},"containers":[{"id":"a","name":"b","image":"c","status":"exited","exit_code":2147483647,"restart_count":-2147483648,"cpu_percent":5e-324,"memory_mb":-1}]}"""),
        };
        foreach (var fixture in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Fixtures", "seed"), "heartbeat-*.json")
            .Where(f => !f.Contains("response", StringComparison.Ordinal)))
        {
            bodies.Add((Path.GetFileName(fixture), File.ReadAllText(fixture)));
        }

        bodies.Add(("DESIGN.md's", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Fixtures", "design-heartbeat.json"))));
        foreach (var (name, json) in bodies)
        {
            var body = Encoding.UTF8.GetBytes(json);
            Assert.True(HeartbeatReader.TryRead(body, out var read), $"{name} was not read by hand");
            Assert.NotNull(read);
            AssertSameAsDeserializer(body, name);
        }
    }

    /// <summary>Bad and unusual bodies: handed to the deserializer, so the same heartbeat or the same error.</summary>
    [Fact]
    public void Bad_and_unusual_bodies_get_the_deserializers_result_or_error()
    {
        var valid = JsonSerializer.Serialize(Full(), ContractsJsonContext.Default.Heartbeat);
        var corpus = MalformedBodies.Heartbeats(Full(), 1 << 20)
            .Where(c => c.ContentType == "application/json" && c.ContentEncoding is null)
            .Select(c => (c.Name, c.Body))
            .ToList();
        Assert.True(corpus.Count >= 100, $"only {corpus.Count} cases");
        string[] cases =
        [
            "{\"server_id\":\"a\",\"server_id\":\"b\",\"metrics\":{}}",
            "{\"server_id\":\"a\",\"metrics\":{\"cpu_percent\":1,\"cpu_percent\":2}}",
            "{\"server_id\":\"a\",\"metrics\":{},\"metrics\":{\"cpu_percent\":2}}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"id\":\"b\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\"}]}",
            "{\"server\\u005fid\":\"a\",\"metrics\":{}}",
            "{\"Server_Id\":\"a\",\"metrics\":{}}",
            "{\"server_id\":null,\"metrics\":{}}",
            "{\"server_id\":\"a\",\"metrics\":null}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[null]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"cpu_percent\":null}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"memory_mb\":null}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\"}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"name\":\"n\",\"image\":\"i\",\"status\":\"s\"}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":null,\"name\":null,\"image\":null,\"status\":null}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"exit_code\":2147483648}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"exit_code\":1.0}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"memory_mb\":1e2}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"oom_killed\":1}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"finished_at\":\"2026-12-06T10:00:00\"}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"finished_at\":\"2026-12-06T10:00:00+01:00\"}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\",\"finished_at\":12}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":7}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":{}}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[[]]}",
            "{\"server_id\":\"a\",\"metrics\":{\"load_average\":[1,null,2]}}",
            "{\"server_id\":\"a\",\"metrics\":{\"load_average\":[1,\"2\"]}}",
            "{\"server_id\":\"a\",\"metrics\":{\"ram_used_mb\":-0.0}}",
            "{\"server_id\":\"a\",\"metrics\":{\"ram_used_mb\":true}}",
            "{\"server_id\":\"a\",\"metrics\":{},\"seq\":\"1\"}",
            "{\"server_id\":\"a\",\"metrics\":{},\"clock_skew_seconds\":2147483648}",
            "{\"server_id\":\"a\",\"metrics\":{},\"timestamp\":\"2026-12-06T10:00:00Z\",\"timestamp\":null}",
            "{\"server_id\":\"a\",\"metrics\":{},\"timestamp\":\"2026-12-06T10:00:00.123456789Z\"}",
            "{\"server_id\":\"a\",\"metrics\":{},\"timestamp\":\"2026-12-06\"}",
            "{\"metrics\":{}}",
            "{\"server_id\":\"a\"}",
            "{\"server_id\":\"a\",\"metrics\":{}} ",
            "{\"server_id\":\"a\",\"metrics\":{}}\u0000",
            "{\"server_id\":\"a\",\"metrics\":{}}{}",
            "{\"server_id\":\"a\",\"metrics\":{}}[",
            "\uFEFF{\"server_id\":\"a\",\"metrics\":{}}",
            "{\"server_id\":\"a\",\"metrics\":{},}",
            "{\"server_id\":\"a\",\"metrics\":{} // x\n}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\"},]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"x\":" + new string('[', 15) + new string(']', 15) + "}",
            "{\"server_id\":\"a\",\"metrics\":{},\"x\":" + new string('[', 16) + new string(']', 16) + "}",
            "{\"server_id\":\"a\",\"metrics\":{\"x\":" + new string('[', 14) + new string(']', 14) + "}}",
            "{\"server_id\":\"a\",\"metrics\":{\"x\":" + new string('[', 15) + new string(']', 15) + "}}",
            "{\"server_id\":\"a\",\"metrics\":{},\"x\":\"\\ud800\"}",
            "{\"server_id\":\"\\ud800\",\"metrics\":{}}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"\\ud800\"}]}",
            "{\"$id\":\"1\",\"server_id\":\"a\",\"metrics\":{\"$ref\":\"1\"},\"containers\":[{\"$type\":\"x\",\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"s\"}]}",
            "{\"server_id\":\"a\",\"metrics\":{},\"containers\":{\"$values\":[]}}",
            "{\"$ref\":\"1\"}",
            "[{\"server_id\":\"a\",\"metrics\":{}}]",
            "null",
            " null ",
            "true",
        ];
        corpus.AddRange(cases.Select((c, i) => ($"case {i}", Encoding.UTF8.GetBytes(c))));
        corpus.Add(("invalid UTF-8 in a value", [.. "{\"server_id\":\""u8, 0xff, .. "\",\"metrics\":{}}"u8]));
        corpus.Add(("invalid UTF-8 in an unknown member", [.. "{\"server_id\":\"a\",\"metrics\":{},\"x\":\""u8, 0xc3, .. "\"}"u8]));
        corpus.Add(("invalid UTF-8 in a status", [.. "{\"server_id\":\"a\",\"metrics\":{},\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"image\":\"i\",\"status\":\"r"u8, 0xe2, 0x82, .. "\"}]}"u8]));

        // Every prefix of a valid body, and every valid body with one byte changed.
        var bytes = Encoding.UTF8.GetBytes(valid);
        for (var cut = 0; cut < bytes.Length; cut += 7)
        {
            corpus.Add(($"cut at {cut}", bytes[..cut]));
        }

        var random = new Random(13);
        ReadOnlySpan<byte> replacements = "{}[],:\"\\ 0159-.eEtnfrul\u00e9"u8;
        for (var i = 0; i < 3000; i++)
        {
            var mutated = (byte[])bytes.Clone();
            mutated[random.Next(mutated.Length)] = replacements[random.Next(replacements.Length)];
            corpus.Add(($"mutation {i}", mutated));
        }

        var byHand = 0;
        foreach (var (name, body) in corpus)
        {
            byHand += HeartbeatReader.TryRead(body, out _) ? 1 : 0;
            AssertSameAsDeserializer(body, name);
        }

        // Both paths were exercised: some bodies read by hand (mutations inside values that stay valid), most handed on.
        Assert.InRange(byHand, 50, corpus.Count - 500);
    }

    /// <summary>The same heartbeat (serialized, so every member and element compared) or the same error as the deserializer.</summary>
    private static void AssertSameAsDeserializer(byte[] body, string name)
    {
        Heartbeat? expected = null, actual = null;
        JsonException? expectedError = null, actualError = null;
        try
        {
            expected = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.Heartbeat);
        }
        catch (JsonException exception)
        {
            expectedError = exception;
        }

        try
        {
            actual = HeartbeatReader.Read(body);
        }
        catch (JsonException exception)
        {
            actualError = exception;
        }

        if (expectedError is not null)
        {
            Assert.True(actualError is not null, $"{name}: the deserializer refused it ({expectedError.Message}), the reader did not");
            Assert.Equal((expectedError.Message, expectedError.Path), (actualError.Message, actualError.Path));
            Assert.Equal(JsonErrors.Describe(expectedError), JsonErrors.Describe(actualError));
            return;
        }

        Assert.True(actualError is null, $"{name}: the reader refused it ({actualError?.Message}), the deserializer did not");
        Assert.Equal(expected is null, actual is null);
        if (expected is not null)
        {
            Assert.Equal(Text(expected), Text(actual!));
            Assert.Equal(expected.Containers?.GetType(), actual!.Containers?.GetType());
            Assert.Equal(expected.Metrics?.LoadAverage?.GetType(), actual.Metrics?.LoadAverage?.GetType());
            Assert.Equal(expected.Containers?.Select(c => c is null), actual.Containers?.Select(c => c is null));
        }
    }

    /// <summary>
    /// Every member and element as text (records print their members; doubles print round-trip, -0 and infinities
    /// included, which the deserializer can produce from 1e400 and serialization refuses).
    /// </summary>
    private static string Text(Heartbeat heartbeat) =>
        string.Join(
            "\n",
            [
                (heartbeat with { Metrics = null!, Containers = null }).ToString(),
                $"timestamp {heartbeat.Timestamp?.UtcTicks} {heartbeat.Timestamp?.Offset}",
                heartbeat.Metrics is null ? "metrics null" : (heartbeat.Metrics with { LoadAverage = null }).ToString(),
                heartbeat.Metrics?.LoadAverage is { } load ? "load " + string.Join(" ", load.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) : "load null",
                heartbeat.Containers is { } containers ? $"{containers.Count} containers" : "containers null",
                .. heartbeat.Containers?.Select(c => c is null ? "container null" : $"{c} finished {c.FinishedAt?.UtcTicks} {c.FinishedAt?.Offset}") ?? [],
            ]);

    private static Heartbeat Full() => new()
    {
        ServerId = "01JEXAMPLESERVER0000000000",
        Timestamp = Now,
        Metrics = new HostMetrics
        {
            CpuPercent = 12.345,
            RamUsedMb = 1024,
            RamTotalMb = 4096,
            DiskUsedGb = 45,
            DiskTotalGb = 100,
            LoadAverage = [0.5, 0.25, 1e-3],
            NetworkInBytes = 123456789012,
            NetworkOutBytes = 987654321,
        },
        Containers =
        [
            new ContainerInfo { Id = "abc123def456", Name = "web", Image = "nginx:1.27", Status = "running", Health = "healthy", UptimeSeconds = 86400, CpuPercent = 5.25, MemoryMb = 256, RestartCount = 2 },
            new ContainerInfo { Id = "0123456789ab", Name = "job \"nightly\" é", Image = "busybox", Status = "exited", Health = "none", UptimeSeconds = 0, CpuPercent = 0, MemoryMb = 0, RestartCount = 0, ExitCode = 137, OomKilled = true, FinishedAt = Now.AddMinutes(-5) },
            new ContainerInfo { Id = "fedcba987654", Name = "db", Image = "postgres:16", Status = "restarting", Health = "starting", CpuPercent = 150.5, MemoryMb = 2048, ExitCode = 1, OomKilled = false, FinishedAt = Now.AddSeconds(-1) },
        ],
        AgentVersion = "2.1.0",
        HeartbeatId = "01JEXAMPLEHEARTBEAT0000000",
        Seq = long.MaxValue,
        DroppedHeartbeats = 7,
        ClockSkewSeconds = -3,
    };
}
