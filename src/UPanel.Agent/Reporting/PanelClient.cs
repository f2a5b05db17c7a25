using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Http;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// Sends one heartbeat to <c>{PANEL_URL}/api/agent/heartbeat</c> and classifies the answer (<see cref="PanelOutcome"/>).
/// Never throws except when the caller cancels; the token is only ever put in the Authorization header.
/// </summary>
internal sealed class PanelClient
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The panel's answer is a few hundred bytes; anything far larger is not an answer we can use.</summary>
    internal const int MaxResponseBytes = 64 * 1024;

    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    private readonly Http1Client _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;

    /// <param name="http">The process's one client (<see cref="PanelHttp.CreateClient"/>).</param>
    /// <param name="panelUrl">PANEL_URL; a path prefix is kept (https://x/panel/ → https://x/panel/api/agent/heartbeat).</param>
    /// <param name="time">For Retry-After dates and the request's timeout.</param>
    /// <param name="timeout">Whole request, response body included; 10 s unless a test needs less.</param>
    public PanelClient(Http1Client http, Uri panelUrl, TimeProvider time, ILogger logger, TimeSpan? timeout = null)
    {
        _http = http;
        _time = time;
        _logger = logger;
        _timeout = timeout ?? DefaultTimeout;
        HeartbeatUri = ResolveEndpoint(panelUrl, "api/agent/heartbeat");
    }

    public Uri HeartbeatUri { get; }

    /// <summary>
    /// <paramref name="relativePath"/> under the panel's base URL, keeping its path prefix and dropping any
    /// user info, query or fragment (so nothing secret can ride along into logs).
    /// </summary>
    public static Uri ResolveEndpoint(Uri panelUrl, string relativePath)
    {
        if (!panelUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("PANEL_URL must be an absolute http(s) URL.", nameof(panelUrl));
        }

        var builder = new UriBuilder(panelUrl) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty };
        builder.Path = builder.Path.TrimEnd('/') + "/" + relativePath.TrimStart('/');
        return builder.Uri;
    }

    /// <summary>Sends one heartbeat body (<see cref="HeartbeatJson"/>, as queued) with <paramref name="token"/>.</summary>
    public async Task<PanelResult> SendHeartbeatAsync(byte[] body, string token, CancellationToken cancellationToken)
    {
        if (!TokenText.IsValid(token))
        {
            // Sending would fail with a header error; say what is wrong without the value.
            return new PanelResult { Outcome = PanelOutcome.Unauthorized, Reason = $"AGENT_TOKEN is empty, longer than {TokenText.MaxLength} characters or not visible ASCII" };
        }

        var request = HttpRequest.PostJson(HeartbeatUri, body, "Bearer " + token);

        using var bound = BlockingReads.NewBound(_timeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        try
        {
            return await BlockingReads.Bound(bound, _timeout, () => SendAsync(request, token, timeout.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PanelResult { Outcome = PanelOutcome.Retryable, Reason = $"no answer within {_timeout.TotalSeconds:0.###} s" };
        }
        catch (HttpTransportException ex)
        {
            // Names the request and what failed ("... cannot connect to 127.0.0.1:8080 (Connection refused)").
            return new PanelResult
            {
                Outcome = PanelOutcome.Retryable, Reason = ex.Message.Replace(token, "***", StringComparison.Ordinal), ReasonNamesFix = ex.NamesFix,
            };
        }
    }

    private async Task<PanelResult> SendAsync(HttpRequest request, string token, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ClassifyAsync(response, token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The sending policy for each answer, including how panels written from the seed alone (Laravel) refuse:
    /// docs/compatibility.md lists them. Reasons name the panel's words, never an HTML page.
    /// </summary>
    private async Task<PanelResult> ClassifyAsync(HttpResponse response, string token, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var code = (int)status;
        if (code is >= 200 and <= 299)
        {
            var parsed = await ReadResponseAsync(response, cancellationToken).ConfigureAwait(false);
            return new PanelResult { Outcome = PanelOutcome.Success, StatusCode = status, Response = parsed };
        }

        if (PanelRefusal.IsLoginRedirect(status, response.Header("Location")))
        {
            return new PanelResult
            {
                Outcome = PanelOutcome.Unauthorized,
                StatusCode = status,
                Reason = $"HTTP {code} to {PanelRefusal.Location(response.Header("Location"))}: the panel sends the agent to its sign-in page, " +
                         "so it did not accept the agent token (or its heartbeat route sits behind a browser login)",
            };
        }

        var detail = code is >= 300 and <= 399 ? null : await ReadErrorAsync(response, token, cancellationToken).ConfigureAwait(false);
        var said = detail is null ? string.Empty : $" ({detail})";
        if (code is 401 or 403)
        {
            return new PanelResult { Outcome = PanelOutcome.Unauthorized, StatusCode = status, Reason = $"HTTP {code}: the panel refused the agent token{said}" };
        }

        if (PanelRefusal.SaysHttpsPort(status, detail))
        {
            // Not the heartbeat's fault: kept, like every answer that says PANEL_URL is wrong.
            return new PanelResult
            {
                Outcome = PanelOutcome.Retryable, StatusCode = status, ReasonNamesFix = true,
                Reason = $"HTTP 400{said}: the server at PANEL_URL's port speaks https, not plain HTTP: use https:// in PANEL_URL",
            };
        }

        if (code is 400 or 413 or 422)
        {
            return new PanelResult { Outcome = PanelOutcome.Rejected, StatusCode = status, Reason = detail is null ? $"HTTP {code}" : $"HTTP {code}: {detail}" };
        }

        var retryAfter = code is 408 or 429 || code >= 500 ? RetryAfterOf(response) : null;
        var reason = code switch
        {
            408 or 429 or >= 500 => $"HTTP {code}{said}",

            // Laravel's CSRF check ("Page Expired"): the route is in the panel's web group. Every heartbeat would get
            // it, none is at fault: kept and retried until the panel's operator fixes the route.
            419 => $"HTTP 419{said}: the panel's CSRF check refused the request; its heartbeat route must not require a CSRF token " +
                   "(in Laravel: routes/api.php, or excluded from VerifyCsrfToken)",
            >= 300 and <= 399 => $"HTTP {code} to {PanelRefusal.Location(response.Header("Location"))} (redirects are not followed; set PANEL_URL to where it points)",
            _ => $"HTTP {code}{said} (unexpected; check PANEL_URL)",
        };
        return new PanelResult { Outcome = PanelOutcome.Retryable, StatusCode = status, RetryAfter = retryAfter, Reason = reason };
    }

    /// <summary>Retry-After as delay-seconds or an HTTP-date (RFC 9110 10.2.3).</summary>
    private TimeSpan? RetryAfterOf(HttpResponse response)
    {
        var header = response.Header("Retry-After")?.Trim();
        TimeSpan? wait = header is null ? null
            : WireText.TryParseDigits(header, out var seconds) ? TimeSpan.FromSeconds(Math.Min(seconds, (long)MaxRetryAfter.TotalSeconds))
            : DateTimeOffset.TryParseExact(header, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date - _time.GetUtcNow()
            : null;
        if (wait is null)
        {
            return null;
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
    }

    /// <summary>Tolerant: unknown fields are ignored; a body that does not parse still counts as delivered.</summary>
    private async Task<HeartbeatResponse?> ReadResponseAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            // At most MaxResponseBytes (PanelHttp): a larger body is not an answer we can use.
            body = await response.ReadBodyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpTransportException ex)
        {
            Log.ResponseUnreadable(_logger, (int)response.StatusCode, ex.Message);
            return null;
        }

        var parsed = ParseResponse(body);
        if (parsed is null && body.Length > 0)
        {
            Log.ResponseUnreadable(_logger, (int)response.StatusCode, "not a JSON heartbeat response");
        }

        return parsed;
    }

    /// <summary>The panel's answer (<see cref="HeartbeatResponseJson"/>); null when the body is empty or not a JSON object.</summary>
    internal static HeartbeatResponse? ParseResponse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            return HeartbeatResponseJson.Read(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string?> ReadErrorAsync(HttpResponse response, string token, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.ReadBodyAsync(cancellationToken).ConfigureAwait(false);
            return PanelRefusal.Describe(body, response.Header("Content-Type"), token);
        }
        catch (HttpTransportException)
        {
            return null;
        }
    }
}
