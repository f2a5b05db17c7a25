namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>The engine's error body: <c>{"message":"..."}</c>.</summary>
internal sealed record DockerErrorResponse
{
    public string? Message { get; init; }
}
