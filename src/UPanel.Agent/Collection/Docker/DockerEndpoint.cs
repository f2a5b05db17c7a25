namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Where the Engine API listens, parsed from DOCKER_HOST: <c>unix:///path</c> (the default and the supported way) or
/// <c>tcp://host:port</c> (plain HTTP, for a local Podman or a test listener; TLS is not supported).
/// </summary>
internal sealed record DockerEndpoint
{
    /// <summary>Docker's own default, <c>unix:///var/run/docker.sock</c>.</summary>
    public static readonly DockerEndpoint Default = Unix("/var/run/docker.sock");

    private DockerEndpoint(string? socketPath, Uri baseAddress, string display, string host)
    {
        SocketPath = socketPath;
        BaseAddress = baseAddress;
        Display = display;
        Host = host;
    }

    /// <summary>The unix socket path, or null for tcp.</summary>
    public string? SocketPath { get; }

    /// <summary>The HTTP base address requests are made against (a placeholder host for unix sockets).</summary>
    public Uri BaseAddress { get; }

    /// <summary>How the endpoint is named in status strings and logs (no credentials: DOCKER_HOST never carries any here).</summary>
    public string Display { get; }

    /// <summary>As DOCKER_HOST names it: <c>unix:///path</c> or <c>tcp://host:port</c>.</summary>
    public string Host { get; }

    public static DockerEndpoint Unix(string socketPath) =>
        new(socketPath, new Uri("http://docker/"), socketPath, "unix://" + socketPath);

    /// <summary>Parses DOCKER_HOST; returns false with a reason naming the fix for anything else.</summary>
    public static bool TryParse(string? dockerHost, out DockerEndpoint? endpoint, out string error)
    {
        endpoint = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(dockerHost))
        {
            endpoint = Default;
            return true;
        }

        var value = dockerHost.Trim();
        if (value.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = value["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
            {
                error = $"DOCKER_HOST={value} is not an absolute unix socket path: use unix:///var/run/docker.sock";
                return false;
            }

            endpoint = Unix(path);
            return true;
        }

        if (value.StartsWith("tcp://", StringComparison.Ordinal)
            && Uri.TryCreate("http://" + value["tcp://".Length..], UriKind.Absolute, out var uri)
            && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && !uri.IsDefaultPort)
        {
            endpoint = new DockerEndpoint(null, new Uri($"http://{uri.Authority}/"), $"tcp://{uri.Authority}", $"tcp://{uri.Authority}");
            return true;
        }

        // A URL with user info could carry a password: never echo it.
        var shown = value.Contains('@', StringComparison.Ordinal) ? "(value with credentials)" : value;
        error = $"DOCKER_HOST={shown} is not supported: use unix:///path/to/docker.sock (or tcp://host:port without TLS)";
        return false;
    }
}
