using System.Text.Json;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>One request a <see cref="WebhookReceiver"/> got.</summary>
internal sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public bool IsFor(string serverId) => Body.Contains(serverId, StringComparison.Ordinal);
}
