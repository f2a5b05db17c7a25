using System.Globalization;
using System.Text;
using System.Text.Json;
using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>One request a <see cref="WebhookReceiver"/> got.</summary>
internal sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public bool IsFor(string serverId) => Body.Contains(serverId, StringComparison.Ordinal);

    /// <summary>The signed timestamp header, in Unix seconds.</summary>
    public long Timestamp => long.Parse(Headers[NotificationPayload.TimestampHeader], CultureInfo.InvariantCulture);

    /// <summary>What the signature header must say for this request with <paramref name="secret"/>.</summary>
    public string SignatureWith(string secret) => NotificationPayload.Signature(secret, Timestamp, Encoding.UTF8.GetBytes(Body));
}
