using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>One request as <see cref="TestPanelServer"/> received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Authorization => Headers.GetValueOrDefault("authorization");

    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public Heartbeat Heartbeat => JsonSerializer.Deserialize(Body, ContractsJsonContext.Default.Heartbeat)
                                  ?? throw new InvalidOperationException("empty heartbeat body");

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}
