namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>The part of <c>GET /containers/{id}/json</c> the agent reads.</summary>
internal sealed record DockerContainerInspect
{
    public required string Id { get; init; }

    public DockerContainerState? State { get; init; }

    public int RestartCount { get; init; }
}
