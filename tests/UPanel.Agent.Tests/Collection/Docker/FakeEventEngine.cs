using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Tests.Http;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// An engine on a unix socket whose containers and event stream the test writes: for what a real engine does only by
/// chance (an <c>oom</c> event while its inspection says <c>OOMKilled: false</c>, a stream that ends between two events).
/// Answers <c>/_ping</c> (API 1.41), the list, each container's inspection, and <c>/events</c>, which stays open and
/// sends what <see cref="SendAsync"/> is given until <see cref="EndStreamAsync"/>.
/// </summary>
internal sealed class FakeEventEngine : IAsyncDisposable
{
    private readonly ScriptedServer _server;
    private readonly Channel<string?> _events = Channel.CreateUnbounded<string?>();
    private readonly ConcurrentDictionary<string, (string List, string Inspect)> _containers = new(StringComparer.Ordinal);
    private int _streams;

    public FakeEventEngine()
    {
        SocketPath = Path.Combine(Path.GetTempPath(), $"upanel-fake-events-{Guid.NewGuid():N}.sock");
        _server = new ScriptedServer(ServeAsync, unixSocketPath: SocketPath);
    }

    public string SocketPath { get; }

    public DockerEndpoint Endpoint => DockerEndpoint.Unix(SocketPath);

    /// <summary>How many event streams were opened.</summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>Lists and inspects the container (full id) as exited with <paramref name="exitCode"/>.</summary>
    public void Exited(string id, int exitCode, bool oomKilled, string finishedAt) =>
        _containers[id] = (
            $$$"""{"Id":"{{{id}}}","Names":["/oom-{{{id[..6]}}}"],"Image":"upanel-test/busybox","State":"exited","Status":"Exited ({{{exitCode}}}) 1 second ago"}""",
            $$$"""{"Id":"{{{id}}}","RestartCount":0,"State":{"Status":"exited","Running":false,"OOMKilled":{{{(oomKilled ? "true" : "false")}}},"ExitCode":{{{exitCode}}},"StartedAt":"2026-12-06T10:00:00Z","FinishedAt":"{{{finishedAt}}}"}}""");

    /// <summary>Lists and inspects the container (full id) as created, never started.</summary>
    public void Created(string id) =>
        _containers[id] = (
            $$$"""{"Id":"{{{id}}}","Names":["/oom-{{{id[..6]}}}"],"Image":"upanel-test/busybox","State":"created","Status":"Created"}""",
            $$$"""{"Id":"{{{id}}}","RestartCount":0,"State":{"Status":"created","Running":false,"OOMKilled":false,"ExitCode":0,"StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}}""");

    /// <summary>The engine no longer has the container.</summary>
    public void Removed(string id) => _containers.TryRemove(id, out _);

    /// <summary>Sends a container event (<c>oom</c>, <c>die</c>, <c>start</c>, ...) on the open stream (or the next one).</summary>
    public ValueTask SendAsync(string action, string id) =>
        _events.Writer.WriteAsync($$$"""{"Type":"container","Action":"{{{action}}}","Actor":{"ID":"{{{id}}}","Attributes":{}},"scope":"local"}""");

    /// <summary>Ends the open stream as an engine going away does (the agent reconnects).</summary>
    public ValueTask EndStreamAsync() => _events.Writer.WriteAsync(null);

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _server.DisposeAsync();
        File.Delete(SocketPath);
    }

    private async Task ServeAsync(ScriptedConnection connection, CancellationToken cancellationToken)
    {
        while (await connection.ReadRequestAsync(cancellationToken) is { } request)
        {
            var path = request.RequestLine.Split(' ')[1];
            if (path == "/_ping")
            {
                await connection.RespondAsync("OK", cancellationToken, "Api-Version: 1.41\r\n");
            }
            else if (path == "/v1.41/containers/json?all=1")
            {
                await connection.RespondAsync("[" + string.Join(",", _containers.Values.Select(c => c.List)) + "]", cancellationToken);
            }
            else if (path.StartsWith("/v1.41/containers/", StringComparison.Ordinal) && path.EndsWith("/json", StringComparison.Ordinal)
                && _containers.TryGetValue(path["/v1.41/containers/".Length..^"/json".Length], out var container))
            {
                await connection.RespondAsync(container.Inspect, cancellationToken);
            }
            else if (path.StartsWith("/v1.41/events?", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _streams);
                await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", cancellationToken);
                // Until the test ends the stream (null) or the engine is disposed (the channel completed).
                while (await _events.Reader.WaitToReadAsync(cancellationToken) && _events.Reader.TryRead(out var line) && line is not null)
                {
                    var chunk = line + "\n";
                    await connection.WriteAsync($"{Encoding.UTF8.GetByteCount(chunk):x}\r\n{chunk}\r\n", cancellationToken);
                }

                await connection.WriteAsync("0\r\n\r\n", cancellationToken);
                connection.Close();
                return;
            }
            else
            {
                const string NotFound = """{"message":"No such container"}""";
                await connection.WriteAsync($"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {NotFound.Length}\r\n\r\n{NotFound}", cancellationToken);
            }
        }
    }
}
