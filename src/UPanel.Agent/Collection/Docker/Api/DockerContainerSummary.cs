namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>One entry of <c>GET /containers/json?all=1</c>; only the fields the agent reads (all present since API 1.21).</summary>
internal sealed record DockerContainerSummary
{
    public required string Id { get; init; }

    public IReadOnlyList<string>? Names { get; init; }

    public string? Image { get; init; }

    /// <summary>running, exited, paused, restarting, created, removing or dead.</summary>
    public string? State { get; init; }

    /// <summary>Human text, e.g. "Up 5 minutes (healthy)" or "Exited (3) 2 hours ago".</summary>
    public string? Status { get; init; }
}
