using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>What <see cref="FaultProxy"/> does to one request.</summary>
internal enum Fault
{
    /// <summary>Forwarded to the panel, its answer returned.</summary>
    Pass,

    /// <summary>Forwarded after two seconds.</summary>
    Latency,

    /// <summary>The connection is cut before anything reaches the panel.</summary>
    Reset,

    /// <summary>Read, never answered (the agent's timeout ends it).</summary>
    BlackHole,

    Status500,

    Status503,

    /// <summary>429 with Retry-After: 3.</summary>
    TooManyRequests,

    /// <summary>Forwarded and stored by the panel, then the connection is cut before its answer: the agent must resend.</summary>
    LoseAnswer,
}

/// <summary>
/// An HTTP proxy on 127.0.0.1 between the real agent and the real panel that injects one <see cref="Fault"/> per request,
/// chosen by the request's number (1, 2, …), and records which heartbeat each request carried.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Func<int, Fault> _schedule;
    private readonly List<(int Number, Fault Fault, string? HeartbeatId)> _requests = [];

    private FaultProxy(WebApplication app, Uri upstream, Func<int, Fault> schedule)
    {
        _app = app;
        _upstream = new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
        _schedule = schedule;
    }

    public Uri BaseAddress => new(_app.Urls.Single());

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<(int Number, Fault Fault, string? HeartbeatId)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FaultProxy> StartAsync(Uri upstream, Func<int, Fault> schedule)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new FaultProxy(app, upstream, schedule);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        Fault fault;
        lock (_requests)
        {
            fault = _schedule(_requests.Count + 1);
            _requests.Add((_requests.Count + 1, fault, HeartbeatIdOf(body)));
        }

        switch (fault)
        {
            case Fault.Reset:
                context.Abort();
                return;
            case Fault.BlackHole:
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            case Fault.Status500 or Fault.Status503:
                context.Response.StatusCode = fault == Fault.Status500 ? 500 : 503;
                return;
            case Fault.TooManyRequests:
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "3";
                return;
            case Fault.Latency:
                await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
                break;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        using var answer = await _upstream.SendAsync(request, context.RequestAborted);
        var answerBody = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (fault == Fault.LoseAnswer)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
        if (answer.Headers.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        }

        await context.Response.Body.WriteAsync(answerBody, context.RequestAborted);
    }

    private static string? HeartbeatIdOf(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("heartbeat_id", out var id) ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
