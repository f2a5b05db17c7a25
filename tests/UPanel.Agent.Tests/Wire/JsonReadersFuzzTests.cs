using System.Text.Json;
using UPanel.Agent.Collection.Docker.Api;
using UPanel.Agent.Tests.Collection.Docker;
using UPanel.Agent.Wire;

namespace UPanel.Agent.Tests.Wire;

/// <summary>
/// Every hand-written reader over seeded random mutations of real panel and engine answers: a value or a
/// <see cref="JsonException"/>, never another exception (the callers, up to the reporter loop, catch only that).
/// </summary>
public sealed class JsonReadersFuzzTests
{
    private static readonly (string Name, Func<byte[], object> Read)[] Readers =
    [
        ("heartbeat response", body => HeartbeatResponseJson.Read(body)),
        ("register response", body => RegisterResponseJson.Read(body)),
        ("error response", body => ErrorResponseJson.Read(body)),
        ("health response", body => HealthResponseJson.Read(body)),
        ("/version", body => DockerVersionResponse.Read(body)),
        ("/containers/json", body => DockerContainerSummary.ReadList(body)),
        ("inspect", body => DockerContainerInspect.Read(body)),
        ("stats", body => DockerStatsResponse.Read(body)),
        ("engine error", body => DockerErrorResponse.Read(body)),
        ("/events line", body => DockerEvent.Read(body)),
    ];

    private static readonly byte[] Interesting = "\"{}[],:\\-+.eE0119 \t\nntf"u8.ToArray().Concat(new byte[] { 0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF0, 0xFF }).ToArray();

    [Fact]
    public void Mutated_answers_give_a_value_or_a_JsonException()
    {
        var seeds = Directory.GetFiles(Path.GetDirectoryName(WireSamples.PanelPath("heartbeat-200.json"))!, "*.json")
            .Concat(Directory.GetFiles(Path.GetDirectoryName(DockerFixtures.EngineApi("version.json"))!, "*.json"))
            .Select(File.ReadAllBytes)
            .Concat(File.ReadAllLines(DockerFixtures.EngineApi("events.jsonl")).Take(5).Select(line => System.Text.Encoding.UTF8.GetBytes(line)))
            .ToArray();
        Assert.True(seeds.Length >= 15, $"{seeds.Length} seeds");
        var random = new Random(27112026);
        var failures = new List<string>();
        var values = 0;
        var errors = 0;
        for (var i = 0; i < 3000; i++)
        {
            var body = Mutate(seeds[random.Next(seeds.Length)], random);
            foreach (var (name, read) in Readers)
            {
                try
                {
                    read(body);
                    values++;
                }
                catch (JsonException)
                {
                    errors++;
                }
                catch (Exception e)
                {
                    failures.Add($"{name} on mutation {i}: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(values > 1000 && errors > 1000, $"{values} values, {errors} errors");
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        for (var n = 1 + random.Next(4); n > 0 && bytes.Count > 0; n--)
        {
            var at = random.Next(bytes.Count);
            var value = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
            switch (random.Next(4))
            {
                case 0: bytes[at] = value; break;
                case 1: bytes.Insert(at, value); break;
                case 2: bytes.RemoveAt(at); break;
                default: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, random.Next(1, 40)))); break;
            }
        }

        return [.. bytes];
    }
}
