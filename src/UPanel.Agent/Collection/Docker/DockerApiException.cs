using System.Net;

namespace UPanel.Agent.Collection.Docker;

/// <summary>The engine answered with a non-success status. <see cref="Exception.Message"/> holds the engine's own message.</summary>
internal sealed class DockerApiException(HttpStatusCode statusCode, string path, string? engineMessage)
    : Exception($"HTTP {(int)statusCode} from {path}: {engineMessage ?? "(no message)"}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}
