using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace UPanel.Panel.Tests.Contract;

/// <summary>
/// A panel written from the seed alone, with nothing but .NET's <see cref="HttpListener"/>: docs/compatibility.md shows
/// the part between the markers, and <see cref="MinimalPanelTests"/> holds the two to the same text.
/// </summary>
internal sealed class MinimalPanel : IDisposable
{
    private readonly HttpListener _listener = new();

    public MinimalPanel(string prefix, string installToken, string agentToken)
    {
        InstallToken = installToken;
        AgentToken = agentToken;
        _listener.Prefixes.Add(prefix);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string InstallToken { get; }

    /// <summary>The token the panel accepts now; <see cref="RotateTo"/> replaces it in the next heartbeat's answer.</summary>
    public string AgentToken { get; private set; }

    public string? RotateTo { get; set; }

    public ConcurrentQueue<(string Path, string? Authorization, string Body)> Received { get; } = new();

    public void Dispose() => _listener.Close();

    // <minimal-panel>
    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            var path = context.Request.Url!.AbsolutePath;
            var bearer = context.Request.Headers["Authorization"];
            var body = await new StreamReader(context.Request.InputStream, Encoding.UTF8).ReadToEndAsync();
            Received.Enqueue((path, bearer, body)); // a real panel stores the heartbeat here
            var (status, answer) = path switch
            {
                "/api/agent/register" when bearer == $"Bearer {InstallToken}" =>
                    (200, $$"""{"status":"ok","server_id":"srv-1","agent_token":"{{AgentToken}}"}"""),
                "/api/agent/heartbeat" when bearer == $"Bearer {AgentToken}" => (200, HeartbeatAnswer()),
                _ => (401, """{"message":"Unauthenticated."}"""),
            };
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer));
            context.Response.Close();
        }
    }

    /// <summary>{"status":"ok"} is all the agent needs; a new token in one answer rotates it.</summary>
    private string HeartbeatAnswer()
    {
        if (RotateTo is not { } next)
        {
            return """{"status":"ok"}""";
        }

        (AgentToken, RotateTo) = (next, null);
        return $$"""{"status":"ok","new_agent_token":"{{next}}"}""";
    }
    // </minimal-panel>
}
