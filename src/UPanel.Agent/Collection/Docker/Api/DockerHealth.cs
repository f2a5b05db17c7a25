using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary><c>State.Health</c>: starting, healthy or unhealthy.</summary>
internal sealed record DockerHealth
{
    public string? Status { get; init; }

    public static DockerHealth From(JsonFields fields) => new() { Status = fields.String("Status"u8) };
}
