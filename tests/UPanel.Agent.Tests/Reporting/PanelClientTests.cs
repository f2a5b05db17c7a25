using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Http;
using UPanel.Agent.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

public sealed class PanelClientTests : IAsyncLifetime
{
    private const string Token = "client-token-0123456789abcdef0123456789";
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly TestPanelServer _panel = new();
    private readonly Http1Client _http = PanelHttp.CreateClient(new Dictionary<string, string>());
    private readonly FakeTimeProvider _time = new(Now);
    private readonly FakeLogger _logger = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _panel.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Success_reads_the_response_and_ignores_unknown_fields()
    {
        _panel.Reply = _ => new PanelReply
        {
            Body = """{"status":"ok","server_time":"2026-01-15T10:30:01Z","next_heartbeat_seconds":30,"update_available":true,"update_url":"ghcr.io/x/agent:1.1","new_agent_token":"n3w","something_new":{"nested":[1,2]}}""",
        };

        var result = await Send();

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.NotNull(result.Response);
        Assert.Equal(30, result.Response.NextHeartbeatSeconds);
        Assert.Equal("n3w", result.Response.NewAgentToken);
        Assert.Equal(new DateTimeOffset(2026, 1, 15, 10, 30, 1, TimeSpan.Zero), result.Response.ServerTime);
        Assert.True(result.Response.UpdateAvailable);
    }

    [Fact]
    public async Task Heartbeat_is_posted_as_snake_case_json_with_the_bearer_token()
    {
        await Send();

        var request = Assert.Single(_panel.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/agent/heartbeat", request.Path);
        Assert.Equal($"Bearer {Token}", request.Authorization);
        Assert.Equal("application/json; charset=utf-8", request.Headers["content-type"]);
        Assert.StartsWith("upanel-agent/", request.Headers["user-agent"], StringComparison.Ordinal);
        var json = request.Json;
        Assert.Equal("01HQSERVER", json.GetProperty("server_id").GetString());
        Assert.Equal("2026-01-15T10:30:00Z", json.GetProperty("timestamp").GetString());
        Assert.Equal(23.5, json.GetProperty("metrics").GetProperty("cpu_percent").GetDouble());
        Assert.Equal(4711, json.GetProperty("seq").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    public async Task Success_with_an_empty_or_unreadable_body_still_counts_as_delivered(string body)
    {
        _panel.Reply = _ => new PanelReply { Status = 200, Body = body };

        var result = await Send();

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Null(result.Response);
    }

    [Fact]
    public async Task No_content_counts_as_delivered()
    {
        _panel.Reply = _ => new PanelReply { Status = 204 };

        var result = await Send();

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Null(result.Response);
    }

    [Fact]
    public async Task Fields_the_agent_acts_on_are_salvaged_from_an_odd_response()
    {
        _panel.Reply = _ => new PanelReply { Body = """{"status":"ok","server_time":"yesterday","next_heartbeat_seconds":29.6,"new_agent_token":"rot"}""" };

        var result = await Send();

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Equal(30, result.Response?.NextHeartbeatSeconds);
        Assert.Equal("rot", result.Response?.NewAgentToken);
    }

    [Fact]
    public async Task Oversized_response_counts_as_delivered_without_a_response()
    {
        _panel.Reply = _ => new PanelReply { Body = "{\"status\":\"ok\",\"pad\":\"" + new string('x', PanelClient.MaxResponseBytes) + "\"}" };

        var result = await Send();

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Null(result.Response);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task Server_errors_and_throttling_are_retryable(int status)
    {
        _panel.Reply = _ => PanelReply.WithStatus(status);

        var result = await Send();

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Equal((HttpStatusCode)status, result.StatusCode);
        Assert.Null(result.RetryAfter);
        Assert.Equal($"HTTP {status}", result.Reason);
    }

    [Fact]
    public async Task Retry_after_in_seconds_is_returned()
    {
        _panel.Reply = _ => PanelReply.RetryAfter(429, "30");

        var result = await Send();

        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_as_a_date_is_measured_from_now()
    {
        _panel.Reply = _ => PanelReply.RetryAfter(503, Now.AddSeconds(90).ToString("R"));

        var result = await Send();

        Assert.Equal(TimeSpan.FromSeconds(90), result.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_is_capped_at_one_hour()
    {
        _panel.Reply = _ => PanelReply.RetryAfter(503, "86400");

        var result = await Send();

        Assert.Equal(TimeSpan.FromHours(1), result.RetryAfter);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(413)]
    [InlineData(422)]
    public async Task Invalid_heartbeat_is_rejected_with_the_panels_reason(int status)
    {
        _panel.Reply = _ => PanelReply.WithStatus(status, """{"status":"error","error":"load_average must have 3 numbers","field":"metrics.load_average"}""");

        var result = await Send();

        Assert.Equal(PanelOutcome.Rejected, result.Outcome);
        Assert.Equal($"HTTP {status}: load_average must have 3 numbers (field metrics.load_average)", result.Reason);
    }

    [Theory]
    [InlineData(
        "text/html",
        "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n" +
        "<center>The plain HTTP request was sent to HTTPS port</center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n",
        "an HTML page titled \"400 The plain HTTP request was sent to HTTPS port\"")]
    [InlineData("text/plain; charset=utf-8", "Client sent an HTTP request to an HTTPS server.\n", "Client sent an HTTP request to an HTTPS server.")]
    public async Task A_400_saying_the_port_speaks_https_keeps_the_heartbeat_and_names_the_fix(string contentType, string body, string said)
    {
        // nginx's answer (captured from nginx 1.22.1 with `listen ... ssl`) and Go's (net/http, as in Caddy and Traefik).
        _panel.Reply = _ => new PanelReply { Status = 400, ContentType = contentType, Body = body };

        var result = await Send();

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Equal($"HTTP 400 ({said}): the server at PANEL_URL's port speaks https, not plain HTTP: use https:// in PANEL_URL", result.Reason);
        Assert.True(result.ReasonNamesFix);
    }

    [Theory]
    [InlineData("name 'The plain HTTP request was sent to HTTPS port' is not allowed", "containers.name")]
    [InlineData("name 'Client sent an HTTP request to an HTTPS server' is not allowed", "containers.name")]
    public async Task A_panels_own_400_that_quotes_those_words_still_drops_the_heartbeat(string error, string field)
    {
        // A panel that echoes a value of the heartbeat (a container's name) in its reason: the heartbeat is invalid,
        // and kept it would be sent again for ever.
        _panel.Reply = _ => PanelReply.WithStatus(400, $$"""{"status":"error","error":"{{error}}","field":"{{field}}"}""");

        var result = await Send();

        Assert.Equal(PanelOutcome.Rejected, result.Outcome);
        Assert.Equal($"HTTP 400: {error} (field {field})", result.Reason);
        Assert.False(result.ReasonNamesFix);
    }

    [Fact]
    public async Task Rejection_reason_never_echoes_the_token()
    {
        _panel.Reply = _ => PanelReply.WithStatus(400, $"bad token {Token}\nsecond line");

        var result = await Send();

        Assert.Equal(PanelOutcome.Rejected, result.Outcome);
        Assert.Equal("HTTP 400: bad token *** second line", result.Reason);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Refused_token_is_unauthorized(int status)
    {
        _panel.Reply = _ => PanelReply.WithStatus(status);

        var result = await Send();

        Assert.Equal(PanelOutcome.Unauthorized, result.Outcome);
        Assert.Equal((HttpStatusCode)status, result.StatusCode);
    }

    [Fact]
    public async Task Unexpected_status_is_retryable_and_says_to_check_the_url()
    {
        _panel.Reply = _ => PanelReply.WithStatus(404);

        var result = await Send();

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Equal("HTTP 404 (unexpected; check PANEL_URL)", result.Reason);
    }

    [Fact]
    public async Task Redirect_is_not_followed()
    {
        _panel.Reply = r => r.Path == "/api/agent/heartbeat"
            ? new PanelReply { Status = 301, Headers = [new("Location", "/elsewhere")] }
            : PanelReply.Ok();

        var result = await Send();

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Single(_panel.Requests);
    }

    [Fact]
    public async Task Refused_connection_is_retryable_and_named()
    {
        _panel.Stop();

        var result = await Send();

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Contains("refused", result.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Panel_that_does_not_answer_within_the_timeout_is_retryable()
    {
        _panel.Reply = _ => PanelReply.Hanging();
        var clock = new TimerRecordingTimeProvider(_time);
        var client = new PanelClient(_http, _panel.BaseUrl, clock, _logger, TimeSpan.FromMilliseconds(300));

        var sending = client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(Heartbeat()), Token, TestContext.Current.CancellationToken);
        await _panel.WaitForRequestsAsync(1);

        // The timeout runs on the client's clock: moved here, it shows the send is given up at the bound, not before.
        Assert.Equal([TimeSpan.FromMilliseconds(300)], clock.DueTimes);
        _time.Advance(TimeSpan.FromMilliseconds(300) - TimeSpan.FromTicks(1));
        Assert.False(sending.IsCompleted, "gave up before the timeout");
        _time.Advance(TimeSpan.FromTicks(1));
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Equal("no answer within 0.3 s", result.Reason);
        Assert.Equal("/api/agent/heartbeat", Assert.Single(_panel.Requests).Path);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_a_timeout()
    {
        _panel.Reply = _ => PanelReply.Hanging();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var client = new PanelClient(_http, _panel.BaseUrl, _time, _logger);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(Heartbeat()), Token, cancel.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc\r\nX-Injected: 1")]
    [InlineData("tök")]
    [InlineData("with space")]
    public async Task Token_unfit_for_a_header_is_unauthorized_without_sending_or_echoing_it(string token)
    {
        var client = new PanelClient(_http, _panel.BaseUrl, _time, _logger);

        var result = await client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(Heartbeat()), token, TestContext.Current.CancellationToken);

        Assert.Equal(PanelOutcome.Unauthorized, result.Outcome);
        Assert.Empty(_panel.Requests);
        if (token.Length > 0)
        {
            Assert.DoesNotContain(token, result.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/panel/")]
    [InlineData("/panel")]
    public async Task Panel_url_path_prefix_is_kept(string prefix)
    {
        var client = new PanelClient(_http, new Uri(_panel.BaseUrl, prefix), _time, _logger);

        await client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(Heartbeat()), Token, TestContext.Current.CancellationToken);

        Assert.Equal("/panel/api/agent/heartbeat", Assert.Single(_panel.Requests).Path);
    }

    [Theory]
    [InlineData("https://panel.example.com", "https://panel.example.com/api/agent/heartbeat")]
    [InlineData("https://panel.example.com/", "https://panel.example.com/api/agent/heartbeat")]
    [InlineData("https://x.example/panel/", "https://x.example/panel/api/agent/heartbeat")]
    [InlineData("https://user:secret@x.example:8443/p?q=1#f", "https://x.example:8443/p/api/agent/heartbeat")]
    public void Endpoint_is_resolved_under_the_panel_url_without_user_info_or_query(string panelUrl, string expected)
    {
        Assert.Equal(expected, PanelClient.ResolveEndpoint(new Uri(panelUrl), "api/agent/heartbeat").ToString());
    }

    private Task<PanelResult> Send(TimeSpan? timeout = null, Heartbeat? heartbeat = null)
    {
        var client = new PanelClient(_http, _panel.BaseUrl, _time, _logger, timeout ?? TimeSpan.FromSeconds(5));
        return client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(heartbeat ?? Heartbeat()), Token, TestContext.Current.CancellationToken);
    }

    private static Heartbeat Heartbeat() => TestHeartbeats.Minimal(Now, seq: 4711);
}
