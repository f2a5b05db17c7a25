using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Http;
using UPanel.Agent.Reporting;
using UPanel.Agent.Tests.Wire;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>
/// The answers of a panel written from the seed alone (a Laravel app; Wire/Fixtures/seed-panel): each gets the right
/// sending-policy decision and a reason in words, never the page's HTML (issue 16).
/// </summary>
public sealed class SeedPanelAnswersTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

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

    [Theory]
    [InlineData("heartbeat-200-status-only.json", null)]
    [InlineData("heartbeat-200-server-time.json", "2024-01-15T10:30:01Z")]
    public async Task The_seeds_smallest_answers_are_a_delivery_with_nothing_to_act_on(string fixture, string? serverTime)
    {
        _panel.Reply = _ => new PanelReply { Body = Fixture(fixture) };

        var result = await Send();

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.NotNull(result.Response);
        Assert.Equal("ok", result.Response.Status);
        Assert.Equal(serverTime is null ? null : DateTimeOffset.Parse(serverTime, System.Globalization.CultureInfo.InvariantCulture), result.Response.ServerTime);
        Assert.Null(result.Response.NextHeartbeatSeconds);
        Assert.Null(result.Response.NewAgentToken);
        Assert.Null(result.Response.UpdateAvailable);
        Assert.Empty(_logger.Collector.GetSnapshot());
    }

    [Fact]
    public async Task The_agent_asks_for_json_so_a_laravel_panel_answers_a_refused_token_with_401_not_a_redirect()
    {
        await Send();

        Assert.Equal("application/json", Assert.Single(_panel.Requests).Headers["accept"]);
    }

    [Fact]
    public async Task A_jwt_agent_token_of_a_few_kilobytes_is_sent_whole()
    {
        var jwt = System.Text.Json.JsonDocument.Parse(Fixture("register-200-jwt-no-panel-url.json")).RootElement.GetProperty("agent_token").GetString()!;

        var result = await Send(jwt);

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.True(jwt.Length > 3000);
        Assert.Equal($"Bearer {jwt}", Assert.Single(_panel.Requests).Authorization);
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("https://panel.example.com/login?redirect=%2Fapi")]
    public async Task A_redirect_to_the_sign_in_page_is_a_refused_token(string location)
    {
        _panel.Reply = _ => new PanelReply { Status = 302, ContentType = "text/html; charset=utf-8", Body = "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"0;url='/login'\" /><title>Redirecting to /login</title></head></html>", Headers = [new("Location", location)] };

        var result = await Send();

        Assert.Equal(PanelOutcome.Unauthorized, result.Outcome);
        Assert.Equal(HttpStatusCode.Redirect, result.StatusCode);
        Assert.StartsWith("HTTP 302 to ", result.Reason, StringComparison.Ordinal);
        Assert.Contains("/login: the panel sends the agent to its sign-in page, so it did not accept the agent token", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("redirect=", result.Reason, StringComparison.Ordinal);
        Assert.Single(_panel.Requests);
    }

    [Fact]
    public async Task Laravels_401_names_its_message()
    {
        _panel.Reply = _ => PanelReply.WithStatus(401, Fixture("heartbeat-401-unauthenticated.json"));

        var result = await Send();

        Assert.Equal(PanelOutcome.Unauthorized, result.Outcome);
        Assert.Equal("HTTP 401: the panel refused the agent token (Unauthenticated.)", result.Reason);
    }

    [Theory]
    [InlineData("heartbeat-422-validation.json", "HTTP 422: The containers.0.health field is required. (and 1 more error) (field containers.0.health)")]
    [InlineData("heartbeat-422-validation-legacy.json", "HTTP 422: The given data was invalid. The timestamp field is required. (field timestamp)")]
    public async Task Laravels_validation_answer_drops_the_heartbeat_and_names_the_first_error(string fixture, string reason)
    {
        _panel.Reply = _ => PanelReply.WithStatus(422, Fixture(fixture));

        var result = await Send();

        Assert.Equal(PanelOutcome.Rejected, result.Outcome);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData(419, "HTTP 419 (an HTML page titled \"Page Expired\"): the panel's CSRF check refused the request; its heartbeat route must not require a CSRF token (in Laravel: routes/api.php, or excluded from VerifyCsrfToken)")]
    [InlineData(500, "HTTP 500 (an HTML page titled \"Server Error\")")]
    [InlineData(503, "HTTP 503 (an HTML page titled \"Service Unavailable\")")]
    [InlineData(404, "HTTP 404 (an HTML page titled \"Not Found\") (unexpected; check PANEL_URL)")]
    public async Task An_html_error_page_is_kept_for_a_retry_and_named_by_its_title_never_its_html(int status, string reason)
    {
        _panel.Reply = _ => new PanelReply { Status = status, ContentType = "text/html; charset=UTF-8", Body = Fixture($"heartbeat-{status}.html") };

        var result = await Send();

        Assert.Equal(PanelOutcome.Retryable, result.Outcome);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public async Task An_html_page_without_a_content_type_or_title_is_still_not_quoted()
    {
        _panel.Reply = _ => new PanelReply { Status = 422, ContentType = "application/octet-stream", Body = "\n  <html><body><h1>Whoops</h1><script>x()</script></body></html>" };

        var result = await Send();

        Assert.Equal(PanelOutcome.Rejected, result.Outcome);
        Assert.Equal("HTTP 422: an HTML page", result.Reason);
    }

    [Fact]
    public async Task The_reporter_keeps_heartbeats_through_a_login_redirect_and_logs_why_in_words()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => new PanelReply { Status = 302, ContentType = "text/html", Body = "<html><title>Redirecting to /login</title></html>", Headers = [new("Location", "http://panel.test/login")] };
        await h.StartAsync();

        await h.AdvanceToAsync(ReporterHarness.Start.AddSeconds(100));

        Assert.Equal(2, h.Status.QueueLength);
        Assert.Equal(PanelState.Unauthorized, h.Status.Panel);
        var log = Assert.Single(h.Logger.Collector.GetSnapshot(), r => r.Id.Id == 1205);
        Assert.Contains("HTTP 302 to http://panel.test/login: the panel sends the agent to its sign-in page", log.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Logger.Collector.GetSnapshot(), r => r.Message.Contains('<', StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_reporter_keeps_heartbeats_through_a_csrf_refusal_and_logs_the_pages_title()
    {
        await using var h = new ReporterHarness(intervalSeconds: 60);
        h.Panel.Reply = _ => new PanelReply { Status = 419, ContentType = "text/html; charset=UTF-8", Body = Fixture("heartbeat-419.html") };
        await h.StartAsync();

        await h.AdvanceToAsync(ReporterHarness.Start.AddSeconds(100));

        Assert.True(h.Status.QueueLength >= 1);
        Assert.Equal(PanelState.Unreachable, h.Status.Panel);
        var logs = h.Logger.Collector.GetSnapshot();
        Assert.Contains(logs, r => r.Message.Contains("HTTP 419 (an HTML page titled \"Page Expired\"): the panel's CSRF check refused the request", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, r => r.Message.Contains('<', StringComparison.Ordinal) || r.Message.Contains("normalize.css", StringComparison.Ordinal));
    }

    private static string Fixture(string name) => WireSamples.SeedPanel(name);

    private Task<PanelResult> Send(string token = "seed-panel-token-0123456789abcdef")
    {
        var client = new PanelClient(_http, _panel.BaseUrl, _time, _logger, TimeSpan.FromSeconds(5));
        return client.SendHeartbeatAsync(
            HeartbeatJson.ToUtf8Bytes(TestHeartbeats.Minimal(Now) with { ServerId = "01HQXYZ3NDEKTSV4RRFFQ69G5F" }),
            token,
            TestContext.Current.CancellationToken);
    }
}
