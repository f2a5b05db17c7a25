namespace UPanel.Agent.Tests.Http;

/// <summary>A request as a <see cref="ScriptedServer"/> received it.</summary>
internal sealed record ReceivedRequest(string RequestLine, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}
