using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>A real HTTP endpoint on 127.0.0.1 standing in for a webhook, Slack, Discord or ntfy: records what it gets.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Received> _received = [];

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>The status for the n-th request (1, 2, …); 200 by default.</summary>
    public Func<int, int> Status { get; set; } = _ => 200;

    /// <summary>Awaited before a request is answered, once it is recorded: a channel that is slow to answer.</summary>
    public Func<Received, Task> Hold { get; set; } = _ => Task.CompletedTask;

    public Uri Url => new(new Uri(_app.Urls.Single()), "/hook/secret-path-part");

    public IReadOnlyList<Received> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> requests matched (<paramref name="seconds"/> at most), then returns them.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<Received, bool> match, int count, int seconds = 30)
    {
        await Poll.UntilAsync(() => Received.Count(match) >= count, $"{count} notifications", TimeSpan.FromSeconds(seconds), () => string.Join("\n", Received.Select(r => r.Body)));
        return [.. Received.Where(match)];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        int number;
        var received = new Received(
            context.Request.Path,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body);
        lock (_received)
        {
            _received.Add(received);
            number = _received.Count;
        }

        await Hold(received);
        context.Response.StatusCode = Status(number);
    }
}
