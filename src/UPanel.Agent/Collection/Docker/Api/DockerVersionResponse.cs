namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>The part of <c>GET /version</c> used for API version negotiation (Docker and Podman both send these).</summary>
internal sealed record DockerVersionResponse
{
    public string? Version { get; init; }

    public string? ApiVersion { get; init; }

    public string? MinAPIVersion { get; init; }
}
