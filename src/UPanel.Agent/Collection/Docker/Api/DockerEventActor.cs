using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerEventActor
{
    /// <summary>The full container id.</summary>
    public string? ID { get; init; }

    public static DockerEventActor From(JsonFields fields) => new() { ID = fields.String("ID"u8) };
}
