using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace UPanel.Panel.Alerts;

/// <summary>What each kind of channel receives for an alert event: the request body, its content type and headers.</summary>
internal static class NotificationPayload
{
    public const string SignatureHeader = "X-UPanel-Signature";
    public const string TimestampHeader = "X-UPanel-Timestamp";
    public const string EventHeader = "X-UPanel-Event";

    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "webhook", "slack", "discord", "ntfy" };

    /// <summary>The request for one attempt at <paramref name="sentAt"/> (the webhook's signed timestamp).</summary>
    public static HttpRequestMessage Request(Notification notification, DateTimeOffset sentAt)
    {
        var e = notification.Event;
        var channel = notification.Channel;
        var request = new HttpRequestMessage(HttpMethod.Post, channel.Url);
        var state = !e.Firing ? "RESOLVED" : notification.Repeat > 0 ? "STILL FIRING" : "FIRING";
        var line = $"{state} {e.Hostname}{(e.Container is null ? "" : "/" + e.Container)}: {e.Summary}";
        byte[] body;
        string contentType = "application/json";
        switch (channel.Kind)
        {
            case "slack":
                body = Json(w => w.WriteString("text", line));
                break;
            case "discord":
                body = Json(w => w.WriteString("content", line));
                break;
            case "ntfy":
                // ntfy takes the message as the body and the rest as headers (https://docs.ntfy.sh/publish/).
                body = Encoding.UTF8.GetBytes(e.Summary);
                contentType = "text/plain; charset=utf-8";
                request.Headers.TryAddWithoutValidation("Title", $"{state} {e.Hostname}{(e.Container is null ? "" : "/" + e.Container)}: {e.Kind}");
                request.Headers.TryAddWithoutValidation("Priority", e.Firing ? "high" : "default");
                request.Headers.TryAddWithoutValidation("Tags", e.Firing ? "rotating_light" : "white_check_mark");
                break;
            default:
                body = Json(w =>
                {
                    w.WriteString("event", e.Firing ? "alert.firing" : "alert.resolved");
                    w.WriteNumber("id", e.Id);
                    w.WriteString("kind", e.Kind);
                    w.WriteString("server_id", e.ServerId);
                    w.WriteString("hostname", e.Hostname);
                    if (e.Container is { } container)
                    {
                        w.WriteString("container", container);
                    }

                    w.WriteString("summary", e.Summary);
                    if (notification.Repeat > 0)
                    {
                        w.WriteNumber("repeat", notification.Repeat);
                    }

                    w.WriteString("at", e.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
                });
                if (channel.Secret is { } secret)
                {
                    // Signed with the attempt's time, so a receiver can refuse a replayed request (a resend is signed anew).
                    var timestamp = sentAt.ToUnixTimeSeconds();
                    request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(secret, timestamp, body));
                }

                break;
        }

        // The receiver's key for deduplication: the same event to the same channel is one notification, even resent;
        // a repeat is a notification of its own.
        request.Headers.TryAddWithoutValidation(EventHeader, notification.Repeat > 0 ? $"{e.Id}.{notification.Repeat}" : $"{e.Id}");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return request;
    }

    /// <summary>
    /// <c>sha256=</c> and the lowercase hex HMAC-SHA256, with the channel's secret, of the timestamp header's value, a
    /// dot and the body (as Stripe and Standard Webhooks sign theirs).
    /// </summary>
    public static string Signature(string secret, long timestamp, byte[] body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
