namespace UPanel.Agent.Collection.Docker.Api;

internal sealed record DockerEventActor
{
    /// <summary>The full container id.</summary>
    public string? ID { get; init; }
}
