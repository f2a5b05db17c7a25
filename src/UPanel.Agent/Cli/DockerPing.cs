using System.Net.Sockets;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>GET /_ping</c> on DOCKER_HOST, for <c>check</c>: says whether the socket is there, may be opened and answers,
/// and what to do when not. Returns null when the engine answered.
/// </summary>
internal static class DockerPing
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<string?> ProblemAsync(string dockerHost, CancellationToken cancellationToken)
    {
        var uri = new Uri(dockerHost);
        using var handler = new SocketsHttpHandler { ConnectTimeout = Timeout, UseProxy = false };
        Uri pingUri;
        if (uri.Scheme == "unix")
        {
            var socketPath = uri.AbsolutePath;
            if (!File.Exists(socketPath))
            {
                return $"DOCKER_HOST={dockerHost}: {socketPath} does not exist: mount the socket " +
                       $"(-v {socketPath}:{socketPath}:ro) or set DOCKER_HOST; until then heartbeats carry containers: null";
            }

            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            pingUri = new Uri("http://docker/_ping");
        }
        else
        {
            pingUri = new Uri($"http://{uri.Authority}/_ping");
        }

        using var client = new HttpClient(handler) { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(pingUri, cancellationToken);
            return response.IsSuccessStatusCode
                ? null
                : $"DOCKER_HOST={dockerHost} answered /_ping with HTTP {(int)response.StatusCode}: check that it is a Docker or Podman API socket";
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AccessDenied })
        {
            return $"DOCKER_HOST={dockerHost}: permission denied: run the agent as root or in the socket's group (docker)";
        }
        catch (HttpRequestException e)
        {
            return $"DOCKER_HOST={dockerHost}: no answer ({e.Message}): check that the Docker engine is running";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"DOCKER_HOST={dockerHost}: no answer within {Timeout.TotalSeconds:0} s: check that the Docker engine is not hung";
        }
    }
}
