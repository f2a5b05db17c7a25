using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using UPanel.Contracts;

namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>
/// A generated corpus of bad request bodies: truncations, wrong types, out-of-range and non-finite numbers, huge
/// and control-character strings, deep nesting, oversized lists, bad timestamps, wrong content types and encodings.
/// </summary>
internal static class MalformedBodies
{
    private const string Json = "application/json";

    private static readonly string[] NumberFields =
    [
        "metrics.cpu_percent", "metrics.ram_used_mb", "metrics.ram_total_mb", "metrics.disk_used_gb", "metrics.disk_total_gb",
        "metrics.network_in_bytes", "metrics.network_out_bytes", "containers[0].uptime_seconds", "containers[0].cpu_percent",
        "containers[0].memory_mb", "containers[0].restart_count", "seq",
    ];

    private static readonly string[] StringFields =
    [
        "server_id", "agent_version", "heartbeat_id", "containers[0].id", "containers[0].name", "containers[0].image",
        "containers[0].status", "containers[0].health",
    ];

    public static IEnumerable<MalformedCase> Heartbeats(Heartbeat valid, long maxBodyBytes)
    {
        var validJson = JsonSerializer.Serialize(valid with { Containers = [.. valid.Containers!, valid.Containers![0] with { RestartCount = 0 }] }, ContractsJsonContext.Default.Heartbeat);
        var bytes = Encoding.UTF8.GetBytes(validJson);

        // Truncated JSON at 40 points.
        for (var i = 0; i < 40; i++)
        {
            var cut = 1 + (i * (bytes.Length - 2) / 40);
            yield return new($"truncated at {cut}", bytes[..cut], 400);
        }

        // Wrong types.
        foreach (var field in NumberFields)
        {
            yield return Mutate(validJson, $"{field} as string", field, JsonValue.Create("12"));
            yield return Mutate(validJson, $"{field} as object", field, new JsonObject());
        }

        foreach (var field in StringFields)
        {
            yield return Mutate(validJson, $"{field} as number", field, JsonValue.Create(12));
        }

        yield return Mutate(validJson, "metrics as array", "metrics", new JsonArray());
        yield return Mutate(validJson, "metrics as string", "metrics", JsonValue.Create("cpu=1"));
        yield return Mutate(validJson, "load_average as object", "metrics.load_average", new JsonObject());
        yield return Mutate(validJson, "load_average with a string", "metrics.load_average", new JsonArray(0.5, "0.4", 0.3));
        yield return Mutate(validJson, "containers as object", "containers", new JsonObject());
        yield return Mutate(validJson, "containers[0] as string", "containers[0]", JsonValue.Create("abc"));
        yield return Mutate(validJson, "oom_killed as string", "containers[0].oom_killed", JsonValue.Create("true"));
        yield return Mutate(validJson, "timestamp as number", "timestamp", JsonValue.Create(1700000000));
        yield return Mutate(validJson, "seq as fraction", "seq", JsonValue.Create(1.5));
        yield return Mutate(validJson, "ram_used_mb as fraction", "metrics.ram_used_mb", JsonValue.Create(1.5));

        // Nulls and absences of required fields.
        // agent_version, timestamp and a container's health may be left out, as the seed's clients do (SeedBodyTests).
        foreach (var field in new[] { "server_id", "metrics", "containers[0].id", "containers[0].name", "containers[0].status", "containers[0]" })
        {
            yield return Mutate(validJson, $"{field} null", field, null);
        }

        foreach (var field in new[] { "server_id", "metrics", "containers[0].id", "containers[0].name" })
        {
            yield return Remove(validJson, $"{field} missing", field);
        }

        // Negative numbers.
        foreach (var field in NumberFields)
        {
            yield return Mutate(validJson, $"{field} negative", field, JsonValue.Create(-1));
        }

        yield return Mutate(validJson, "load_average negative", "metrics.load_average", new JsonArray(-0.5, 0.4, 0.3));

        // Out of range.
        yield return Mutate(validJson, "cpu_percent above 100", "metrics.cpu_percent", JsonValue.Create(100.5));
        yield return Mutate(validJson, "container cpu_percent absurd", "containers[0].cpu_percent", JsonValue.Create(1e9));
        yield return Mutate(validJson, "ram_used above total", "metrics.ram_used_mb", JsonValue.Create(5000));
        yield return Mutate(validJson, "disk_used above total", "metrics.disk_used_gb", JsonValue.Create(101));
        yield return Mutate(validJson, "ram_total absurd", "metrics.ram_total_mb", JsonValue.Create(1L << 50));
        yield return Mutate(validJson, "load_average two numbers", "metrics.load_average", new JsonArray(0.5, 0.4));
        yield return Mutate(validJson, "load_average four numbers", "metrics.load_average", new JsonArray(0.5, 0.4, 0.3, 0.2));
        yield return Mutate(validJson, "load_average empty", "metrics.load_average", new JsonArray());
        yield return Mutate(validJson, "empty server_id", "server_id", JsonValue.Create(""));
        yield return Mutate(validJson, "empty agent_version", "agent_version", JsonValue.Create(""));
        yield return Mutate(validJson, "empty container id", "containers[0].id", JsonValue.Create(""));
        yield return Mutate(validJson, "empty heartbeat_id", "heartbeat_id", JsonValue.Create(""));

        // Non-finite and overflowing numbers, spelled as JSON does not allow.
        var cpu = valid.Metrics.CpuPercent!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var literal in new[] { "NaN", "Infinity", "-Infinity", "\"NaN\"", "1e400", "-1e400", "0x10", "+1", ".5", "01" })
        {
            yield return Replace(validJson, $"cpu_percent {literal}", $"\"cpu_percent\":{cpu}", $"\"cpu_percent\":{literal}");
        }

        yield return Replace(validJson, "network_in_bytes beyond int64", "\"network_in_bytes\":", "\"network_in_bytes\":99999999999999999999999");
        yield return Replace(validJson, "seq beyond int64", "\"seq\":", "\"seq\":9223372036854775808");

        // Huge and hostile strings.
        yield return Mutate(validJson, "server_id 10k characters", "server_id", JsonValue.Create(new string('a', 10_000)));
        yield return Mutate(validJson, "container name 100k characters", "containers[0].name", JsonValue.Create(new string('n', 100_000)));
        yield return Mutate(validJson, "agent_version 1000 characters", "agent_version", JsonValue.Create(new string('1', 1000)));
        yield return Mutate(validJson, "heartbeat_id 65 characters", "heartbeat_id", JsonValue.Create(new string('h', 65)));
        yield return Mutate(validJson, "image 513 characters", "containers[0].image", JsonValue.Create(new string('i', 513)));
        yield return Mutate(validJson, "server_id with NUL", "server_id", JsonValue.Create("01H\u0000X"));
        yield return Mutate(validJson, "container name with newline", "containers[0].name", JsonValue.Create("web\nroot"));
        yield return Mutate(validJson, "unknown field larger than the cap", "padding", JsonValue.Create(new string('p', (int)maxBodyBytes)), 413);

        // Deep nesting.
        foreach (var depth in new[] { 20, 100, 10_000 })
        {
            yield return Replace(validJson, $"nested {depth} deep", "{\"server_id\"", $"{{\"extra\":{new string('[', depth)}{new string(']', depth)},\"server_id\"");
        }

        yield return Replace(validJson, "nested objects 50 deep in metrics", "\"metrics\":{", "\"metrics\":{\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 50)) + "1" + new string('}', 50) + ",");

        // Container lists.
        yield return new("10,000 full containers", Encoding.UTF8.GetBytes(WithContainers(validJson, 10_000, full: true)), 413);
        yield return new("10,000 minimal containers", Encoding.UTF8.GetBytes(WithContainers(validJson, 10_000, full: false)), 400);
        yield return new("1,001 minimal containers", Encoding.UTF8.GetBytes(WithContainers(validJson, 1_001, full: false)), 400);

        // Timestamps.
        var now = valid.Timestamp!.Value;
        yield return Mutate(validJson, "timestamp two hours ahead", "timestamp", JsonValue.Create(now.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        yield return Mutate(validJson, "timestamp eight days old", "timestamp", JsonValue.Create(now.AddDays(-8).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        yield return Mutate(validJson, "timestamp year 1", "timestamp", JsonValue.Create("0001-01-01T00:00:00Z"));
        yield return Mutate(validJson, "timestamp not a date", "timestamp", JsonValue.Create("yesterday"));
        yield return Mutate(validJson, "timestamp month 13", "timestamp", JsonValue.Create("2026-13-01T00:00:00Z"));
        yield return Mutate(validJson, "timestamp empty", "timestamp", JsonValue.Create(""));
        yield return Mutate(validJson, "timestamp without offset", "timestamp", JsonValue.Create(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)));

        // Whole-body shapes.
        foreach (var (name, text) in new[]
        {
            ("null", "null"), ("array", "[]"), ("empty object", "{}"), ("string", "\"heartbeat\""), ("number", "42"),
            ("whitespace", "   "), ("open brace", "{"), ("close brace", "}"), ("trailing garbage", validJson + "xyz"),
            ("two objects", validJson + validJson), ("comment", "/* hi */" + validJson), ("trailing comma", validJson[..^1] + ",}"),
            ("single quotes", validJson.Replace('"', '\'')), ("xml", "<heartbeat/>"), ("form", "server_id=1&cpu=2"),
        })
        {
            yield return new($"body {name}", Encoding.UTF8.GetBytes(text), 400);
        }

        yield return new("empty body", [], 400);
        yield return new("invalid UTF-8", [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d], 400);
        yield return new("UTF-16 body", Encoding.Unicode.GetBytes(validJson), 400);

        // Content types and encodings.
        foreach (var type in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=iso-8859-1", "application/jsonx", "json" })
        {
            yield return new($"content type {type}", bytes, 415, type);
        }

        yield return new("no content type", bytes, 415, null);
        yield return new("content encoding br", bytes, 415, Json, "br");
        yield return new("content encoding deflate", bytes, 415, Json, "deflate");
        yield return new("gzip header but plain body", bytes, 400, Json, "gzip");
        yield return new("gzip bomb", Gzip(new byte[maxBodyBytes * 4]), 413, Json, "gzip");
        yield return new("gzip of truncated JSON", Gzip(bytes[..(bytes.Length / 2)]), 400, Json, "gzip");
    }

    public static IEnumerable<MalformedCase> Registrations(string validJson)
    {
        var bytes = Encoding.UTF8.GetBytes(validJson);
        for (var i = 0; i < 10; i++)
        {
            var cut = 1 + (i * (bytes.Length - 2) / 10);
            yield return new($"truncated at {cut}", bytes[..cut], 400);
        }

        yield return Mutate(validJson, "cpu_cores as string", "cpu_cores", JsonValue.Create("4"));
        yield return Mutate(validJson, "cpu_cores zero", "cpu_cores", JsonValue.Create(0));
        yield return Mutate(validJson, "cpu_cores negative", "cpu_cores", JsonValue.Create(-4));
        yield return Mutate(validJson, "cpu_cores beyond int", "cpu_cores", JsonValue.Create(1L << 40));
        yield return Mutate(validJson, "ram_mb negative", "ram_mb", JsonValue.Create(-1));
        yield return Mutate(validJson, "disk_gb negative", "disk_gb", JsonValue.Create(-1));
        yield return Mutate(validJson, "ram_mb fraction", "ram_mb", JsonValue.Create(1.5));
        yield return Mutate(validJson, "hostname empty", "hostname", JsonValue.Create(""));
        yield return Mutate(validJson, "hostname 300 characters", "hostname", JsonValue.Create(new string('h', 300)));
        yield return Mutate(validJson, "hostname null", "hostname", null);
        yield return Mutate(validJson, "hostname as number", "hostname", JsonValue.Create(1));
        yield return Mutate(validJson, "machine_id 200 characters", "machine_id", JsonValue.Create(new string('m', 200)));
        yield return Mutate(validJson, "os_version with control character", "os_version", JsonValue.Create("Debian\u0007"));
        yield return Remove(validJson, "agent_version missing", "agent_version");
        yield return Remove(validJson, "ram_mb missing", "ram_mb");
        yield return new("body null", "null"u8.ToArray(), 400);
        yield return new("body array", "[]"u8.ToArray(), 400);
        yield return new("content type text/plain", bytes, 415, "text/plain");
        yield return new("no content type", bytes, 415, null);
        yield return new("oversized", Encoding.UTF8.GetBytes(validJson[..^1] + ",\"pad\":\"" + new string('p', 1 << 21) + "\"}"), 413);
    }

    private static MalformedCase Mutate(string json, string name, string path, JsonNode? value, int expected = 400)
    {
        var root = JsonNode.Parse(json)!;
        var (parent, key, index) = Locate(root, path);
        if (index is { } i)
        {
            parent.AsArray()[i] = value;
        }
        else
        {
            parent.AsObject()[key!] = value;
        }

        return new(name, Encoding.UTF8.GetBytes(root.ToJsonString()), expected) { ExpectedField = expected == 400 ? path : null };
    }

    private static MalformedCase Remove(string json, string name, string path)
    {
        var root = JsonNode.Parse(json)!;
        var (parent, key, _) = Locate(root, path);
        Assert.True(parent.AsObject().Remove(key!), $"{path} not in the valid body");
        return new(name, Encoding.UTF8.GetBytes(root.ToJsonString()), 400) { ExpectedField = path };
    }

    private static MalformedCase Replace(string json, string name, string find, string replacement)
    {
        Assert.Contains(find, json, StringComparison.Ordinal);
        var at = json.IndexOf(find, StringComparison.Ordinal);
        var end = at + find.Length;
        if (find.EndsWith(':'))
        {
            // Replace the number that follows as well.
            while (end < json.Length && (char.IsAsciiDigit(json[end]) || json[end] is '.' or '-' or 'e' or 'E' or '+'))
            {
                end++;
            }
        }

        return new(name, Encoding.UTF8.GetBytes(json[..at] + replacement + json[end..]), 400);
    }

    /// <summary>Walks "a.b[0].c" to the parent of the last step.</summary>
    private static (JsonNode Parent, string? Key, int? Index) Locate(JsonNode root, string path)
    {
        var steps = new List<object>();
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket < 0)
            {
                steps.Add(part);
                continue;
            }

            steps.Add(part[..bracket]);
            steps.Add(int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));
        }

        var node = root;
        for (var i = 0; i < steps.Count - 1; i++)
        {
            node = steps[i] is int index ? node.AsArray()[index]! : node.AsObject()[(string)steps[i]]!;
        }

        return steps[^1] is int last ? (node, null, last) : (node, (string)steps[^1], null);
    }

    private static string WithContainers(string json, int count, bool full)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var containers = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            containers.Add(full
                ? new JsonObject
                {
                    ["id"] = $"{i:x12}", ["name"] = $"service_number_{i}_web_1", ["image"] = "registry.example.com/team/app:1.2.3",
                    ["status"] = "running", ["health"] = "healthy", ["uptime_seconds"] = 86400, ["cpu_percent"] = 1.5, ["memory_mb"] = 128,
                }
                : new JsonObject { ["id"] = "a", ["name"] = "b", ["image"] = "c", ["status"] = "d", ["health"] = "e" });
        }

        root["containers"] = containers;
        return root.ToJsonString();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
