using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
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
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;

    /// <param name="http">The process's one client (<see cref="PanelHttp.CreateClient"/>).</param>
    /// <param name="panelUrl">PANEL_URL; a path prefix is kept (https://x/panel/ → https://x/panel/api/agent/heartbeat).</param>
    /// <param name="time">For Retry-After dates.</param>
    /// <param name="timeout">Whole request, response body included; 10 s unless a test needs less.</param>
    public PanelClient(HttpClient http, Uri panelUrl, TimeProvider time, ILogger logger, TimeSpan? timeout = null)
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

    public async Task<PanelResult> SendHeartbeatAsync(Heartbeat heartbeat, string token, CancellationToken cancellationToken)
    {
        if (!IsValidToken(token))
        {
            // Sending would fail inside HttpClient with a header error; say what is wrong without the value.
            return new PanelResult { Outcome = PanelOutcome.Unauthorized, Reason = "AGENT_TOKEN is empty or contains characters not allowed in an HTTP header" };
        }

        var body = HeartbeatJson.ToUtf8Bytes(heartbeat);
        using var request = new HttpRequestMessage(HttpMethod.Post, HeartbeatUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonContentType;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return await ClassifyAsync(response, token, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PanelResult { Outcome = PanelOutcome.Retryable, Reason = $"no answer within {_timeout.TotalSeconds:0.###} s" };
        }
        catch (HttpRequestException ex)
        {
            return new PanelResult { Outcome = PanelOutcome.Retryable, Reason = Describe(ex) };
        }
        catch (IOException ex)
        {
            return new PanelResult { Outcome = PanelOutcome.Retryable, Reason = ex.Message };
        }
    }

    private async Task<PanelResult> ClassifyAsync(HttpResponseMessage response, string token, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var code = (int)status;
        if (code is >= 200 and <= 299)
        {
            var parsed = await ReadResponseAsync(response, cancellationToken).ConfigureAwait(false);
            return new PanelResult { Outcome = PanelOutcome.Success, StatusCode = status, Response = parsed };
        }

        if (code is 401 or 403)
        {
            return new PanelResult { Outcome = PanelOutcome.Unauthorized, StatusCode = status, Reason = $"HTTP {code}: the panel refused the agent token" };
        }

        if (code is 400 or 413 or 422)
        {
            var detail = await ReadErrorAsync(response, token, cancellationToken).ConfigureAwait(false);
            return new PanelResult { Outcome = PanelOutcome.Rejected, StatusCode = status, Reason = detail is null ? $"HTTP {code}" : $"HTTP {code}: {detail}" };
        }

        var retryAfter = code is 408 or 429 || code >= 500 ? RetryAfterOf(response) : null;
        var reason = code is 408 or 429 || code >= 500 ? $"HTTP {code}" : $"HTTP {code} (unexpected; check PANEL_URL)";
        return new PanelResult { Outcome = PanelOutcome.Retryable, StatusCode = status, RetryAfter = retryAfter, Reason = reason };
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is null)
        {
            return null;
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
    }

    /// <summary>Tolerant: unknown fields are ignored; a body that does not parse still counts as delivered.</summary>
    private async Task<HeartbeatResponse?> ReadResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[]? body;
        try
        {
            body = await ReadBoundedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            Log.ResponseUnreadable(_logger, (int)response.StatusCode, ex.Message);
            return null;
        }

        var parsed = body is null ? null : ParseResponse(body);
        if (parsed is null && body is { Length: > 0 })
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

    private static async Task<string?> ReadErrorAsync(HttpResponseMessage response, string token, CancellationToken cancellationToken)
    {
        byte[]? body;
        try
        {
            body = await ReadBoundedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return null;
        }

        if (body is not { Length: > 0 })
        {
            return null;
        }

        string? text;
        try
        {
            var error = ErrorResponseJson.Read(body);
            text = error.Field is null ? error.Error : $"{error.Error} (field {error.Field})";
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        }

        return Sanitize(text, token);
    }

    /// <summary>A panel's message goes into a log line: one line, short, and never the token even if echoed.</summary>
    private static string? Sanitize(string? text, string token)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var builder = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text)
        {
            if (builder.Length >= 200)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Replace(token, "***", StringComparison.Ordinal).Trim();
    }

    /// <summary>Reads at most <see cref="MaxResponseBytes"/>; null when the body is larger (not an answer we can use).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxResponseBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[(int)Math.Min(content.Headers.ContentLength ?? 4096, MaxResponseBytes) + 1];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > MaxResponseBytes)
                    {
                        return null;
                    }

                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxResponseBytes + 1));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return length > MaxResponseBytes ? null : buffer[..length];
        }
    }

    /// <summary>
    /// "ConnectionError: Connection refused (127.0.0.1:8080)" rather than the nested exception chain; for TLS and
    /// other layered failures the innermost cause is added (e.g. an untrusted certificate).
    /// </summary>
    private static string Describe(HttpRequestException ex)
    {
        if (ex.InnerException is SocketException socket)
        {
            return $"{ex.HttpRequestError}: {socket.Message}";
        }

        var text = ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}";
        var inner = ex.InnerException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner is null || inner.Message == ex.Message ? text : $"{text} ({inner.Message})";
    }

    /// <summary>Visible ASCII only: anything else would be a header-injection or encoding error.</summary>
    private static bool IsValidToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        foreach (var c in token)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
