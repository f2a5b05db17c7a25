using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>The part of <c>GET /containers/{id}/json</c> the agent reads.</summary>
internal sealed record DockerContainerInspect
{
    public required string Id { get; init; }

    public DockerContainerState? State { get; init; }

    public int RestartCount { get; init; }

    /// <summary>Throws <see cref="System.Text.Json.JsonException"/> for malformed JSON, a member of the wrong type or no Id.</summary>
    public static DockerContainerInspect Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "container inspect", ignoreCase: true);
        return new DockerContainerInspect
        {
            Id = fields.RequiredString("Id"u8),
            State = fields.Object("State"u8) is { } state ? DockerContainerState.From(state) : null,
            RestartCount = fields.Int32("RestartCount"u8) ?? 0,
        };
    }
}
