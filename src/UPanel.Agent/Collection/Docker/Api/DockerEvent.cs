namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>One line of <c>GET /events</c> (Type/Action/Actor exist since API 1.22; the old status/id/from are not used).</summary>
internal sealed record DockerEvent
{
    public string? Type { get; init; }

    /// <summary>die, oom, start, destroy, "health_status: unhealthy", ...</summary>
    public string? Action { get; init; }

    public DockerEventActor? Actor { get; init; }
}
