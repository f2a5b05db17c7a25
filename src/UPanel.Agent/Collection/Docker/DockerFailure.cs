using System.Net.Sockets;
using System.Text.Json;
using UPanel.Agent.Http;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Turns why the engine could not be asked into the status text shown by <c>check</c> and <c>/health</c>: a short
/// kind before the colon (used to log once per change of kind) and what to do about it.
/// </summary>
internal static class DockerFailure
{
    public const string Ok = "ok";

    /// <summary>The kind (<see cref="KindOf"/>) of a socket path that does not exist or cannot be resolved.</summary>
    public const string SocketMissing = "socket missing";

    public static string NotResponding(DockerEndpoint endpoint, TimeSpan timeout) =>
        $"not responding: {endpoint.Display} gave no answer within {timeout.TotalSeconds:0.#} s (dockerd hung or overloaded? try: docker info; systemctl restart docker)";

    public static string Describe(Exception exception, DockerEndpoint endpoint)
    {
        if (endpoint.SocketPath is { } path && !Path.Exists(path))
        {
            return $"{SocketMissing}: {path} does not exist (mount the Docker socket, e.g. -v /var/run/docker.sock:{path}:ro, or set DOCKER_HOST)";
        }

        var socketError = FindSocketError(exception);
        return socketError switch
        {
            SocketError.AccessDenied =>
                $"permission denied: {endpoint.Display} (run the agent as root or in the socket's group, e.g. --group-add $(stat -c %g {endpoint.Display}); " +
                "with deploy/docker-compose.yml: DOCKER_GID=<that group id> in /opt/upanel-agent/.env, then docker compose up -d)",
            SocketError.ConnectionRefused =>
                $"connection refused: {endpoint.Display} (the socket exists but no engine listens: is dockerd running?)",
            SocketError.AddressNotAvailable or SocketError.HostNotFound =>
                $"{SocketMissing}: {endpoint.Display} (mount the Docker socket or set DOCKER_HOST)",
            not null => $"unreachable: {endpoint.Display} ({socketError})",
            null => exception switch
            {
                DockerApiException api => $"error: {api.Message}",
                JsonException json => $"error: unexpected answer from the engine ({json.Message})",
                HttpTransportException http => $"error: {http.Message}",
                _ => $"error: {exception.GetType().Name}: {exception.Message}",
            },
        };
    }

    /// <summary>The kind of a status ("ok", "socket missing", "not responding", ...): what a change of is logged.</summary>
    public static string KindOf(string status)
    {
        var colon = status.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? status : status[..colon];
    }

    private static SocketError? FindSocketError(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is SocketException socketException)
            {
                return socketException.SocketErrorCode;
            }
        }

        return null;
    }
}
