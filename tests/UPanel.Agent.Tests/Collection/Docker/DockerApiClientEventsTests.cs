using System.Text;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Http;
using UPanel.Agent.Tests.Http;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary><c>GET /events</c> from a scripted engine socket: line splitting across chunks, and a bound on a line.</summary>
public sealed class DockerApiClientEventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_split_anywhere_across_chunks_are_read_and_odd_lines_skipped()
    {
        var lines = File.ReadAllLines(DockerFixtures.EngineApi("events.jsonl")).Take(6).ToList();
        var stream = string.Join("\n", lines.Take(3)) + "\n\n{\"Type\":42}\n\r\n" + string.Join("\n", lines.Skip(3)) + "\n";
        await using var engine = Engine.Start(async (c, ct) =>
        {
            var random = new Random(7);
            for (var at = 0; at < stream.Length;)
            {
                var size = Math.Min(stream.Length - at, 1 + random.Next(300));
                await c.WriteAsync($"{size:x}\r\n{stream.Substring(at, size)}\r\n", ct);
                at += size;
            }

            await c.WriteAsync("0\r\n\r\n", ct);
        });
        using var client = new DockerApiClient(DockerEndpoint.Unix(engine.Path));

        var events = new List<string?>();
        await foreach (var dockerEvent in client.ReadEventsAsync("{}", null, Ct))
        {
            events.Add($"{dockerEvent.Action} {dockerEvent.Actor?.ID?[..12]}");
        }

        Assert.Equal(6, events.Count);
        Assert.Equal(lines.Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement is var e
            ? $"{e.GetProperty("Action").GetString()} {e.GetProperty("Actor").GetProperty("ID").GetString()![..12]}" : ""), events);
    }

    [Fact]
    public async Task Endless_event_line_ends_the_stream_with_an_error_instead_of_growing_a_buffer()
    {
        await using var engine = Engine.Start(async (c, ct) =>
        {
            var piece = new string('a', 60_000);
            for (var i = 0; i < 40; i++)
            {
                await c.WriteAsync($"{piece.Length:x}\r\n{piece}\r\n", ct);
            }

            await Task.Delay(Timeout.Infinite, ct);
        });
        using var client = new DockerApiClient(DockerEndpoint.Unix(engine.Path));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<HttpTransportException>(async () =>
        {
            await foreach (var _ in client.ReadEventsAsync("{}", null, timeout.Token))
            {
            }
        });

        Assert.Equal($"GET /events on {engine.Path}: an event line longer than 1024 KiB", error.Message);
    }

    private sealed record Engine(ScriptedServer Server, string Path) : IAsyncDisposable
    {
        /// <summary>Answers /_ping with API 1.41, and /events with a chunked head, then runs <paramref name="events"/>.</summary>
        public static Engine Start(Func<ScriptedConnection, CancellationToken, Task> events)
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"upanel-events-{Guid.NewGuid():N}.sock");
            var server = new ScriptedServer(async (c, ct) =>
            {
                while (await c.ReadRequestAsync(ct) is { } request)
                {
                    if (request.RequestLine.StartsWith("GET /_ping ", StringComparison.Ordinal))
                    {
                        await c.RespondAsync("OK", ct, "Api-Version: 1.41\r\n");
                        continue;
                    }

                    await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
                    await events(c, ct);
                    return;
                }
            }, unixSocketPath: path);
            return new Engine(server, path);
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            File.Delete(Path);
        }
    }
}
