using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary><c>State</c> of an inspected container.</summary>
internal sealed record DockerContainerState
{
    public string? Status { get; init; }

    public bool OomKilled { get; init; }

    public int ExitCode { get; init; }

    /// <summary>RFC 3339 with nanoseconds; "0001-01-01T00:00:00Z" when never started. Kept as text and parsed leniently.</summary>
    public string? StartedAt { get; init; }

    /// <summary>Same form as <see cref="StartedAt"/>; "0001-01-01T00:00:00Z" until the container first stops.</summary>
    public string? FinishedAt { get; init; }

    /// <summary>Absent when the container has no healthcheck.</summary>
    public DockerHealth? Health { get; init; }

    public static DockerContainerState From(JsonFields fields) => new()
    {
        Status = fields.String("Status"u8),
        OomKilled = fields.Boolean("OOMKilled"u8) ?? false,
        ExitCode = fields.Int32("ExitCode"u8) ?? 0,
        StartedAt = fields.String("StartedAt"u8),
        FinishedAt = fields.String("FinishedAt"u8),
        Health = fields.Object("Health"u8) is { } health ? DockerHealth.From(health) : null,
    };
}
