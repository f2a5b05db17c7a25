using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;

namespace UPanel.Panel.Alerts;

/// <summary>
/// Heartbeats refused for their token (401), attributed to the server their body names. A token that fails cannot name
/// its server (tokens are looked up by hash; an unknown one matches nothing), so the body's <c>server_id</c> is all
/// there is: a claim anyone who knows the id could make. So it is only counted, never acted on beyond the
/// <c>token_failures</c> alert, and cheaply: the first 4 KiB of the body are scanned (the agent sends <c>server_id</c>
/// first), an id of no live server writes nothing, and a server's failures are written at most once a minute per panel.
/// Why: docs/decisions/token-failures-by-claimed-server.md.
/// </summary>
internal sealed class TokenFailures(AlertStore alerts, AlertService service, TimeProvider time, ILogger<TokenFailures> logger)
{
    public static readonly TimeSpan RecordEvery = TimeSpan.FromMinutes(1);

    private const int ScanBytes = 4096;
    private const int MaxRemembered = 10_000;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastRecorded = new(StringComparer.Ordinal);

    /// <summary>Called as a heartbeat is refused for its token; never throws, never changes the answer.</summary>
    public async Task RecordAsync(HttpRequest request)
    {
        try
        {
            if (await ServerIdAsync(request) is not { } serverId)
            {
                return;
            }

            var now = time.GetUtcNow();
            if (_lastRecorded.TryGetValue(serverId, out var last) && now - last < RecordEvery)
            {
                return;
            }

            if (_lastRecorded.Count >= MaxRemembered)
            {
                _lastRecorded.Clear();
            }

            _lastRecorded[serverId] = now;
            if (await alerts.RecordTokenFailureAsync(serverId, now, request.HttpContext.RequestAborted))
            {
                Log.TokenFailure(logger, serverId);
                service.EvaluateSoon(serverId);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.TokenFailureNotRecorded(logger, exception);
        }
        catch (OperationCanceledException)
        {
            // The client went away: nothing to count.
        }
    }

    private static async Task<string?> ServerIdAsync(HttpRequest request)
    {
        var buffer = new byte[ScanBytes];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await request.Body.ReadAsync(buffer.AsMemory(read), request.HttpContext.RequestAborted)) > 0)
        {
            read += n;
        }

        return ServerId(buffer.AsSpan(0, read));
    }

    /// <summary>The top-level <c>server_id</c> string of a JSON object that may be cut off; null when there is none or it is not a plausible id.</summary>
    internal static string? ServerId(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isServerId = reader.ValueTextEquals("server_id"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isServerId)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 and <= 64 } id && !WireText.HasUnsafe(id) && !id.Contains(' ', StringComparison.Ordinal)
                        ? id
                        : null;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
