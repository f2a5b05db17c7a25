using System.Net.Sockets;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class DockerEndpointTests
{
    [Theory]
    [InlineData(null, "/var/run/docker.sock")]
    [InlineData("", "/var/run/docker.sock")]
    [InlineData("unix:///run/podman/podman.sock", "/run/podman/podman.sock")]
    public void Unix_socket_path_is_taken_from_DOCKER_HOST(string? dockerHost, string path)
    {
        Assert.True(DockerEndpoint.TryParse(dockerHost, out var endpoint, out _));
        Assert.Equal(path, endpoint!.SocketPath);
    }

    [Fact]
    public void Tcp_without_tls_is_plain_http()
    {
        Assert.True(DockerEndpoint.TryParse("tcp://127.0.0.1:2375", out var endpoint, out _));
        Assert.Null(endpoint!.SocketPath);
        Assert.Equal(new Uri("http://127.0.0.1:2375/"), endpoint.BaseAddress);
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("unix://relative.sock")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("ssh://me@host")]
    public void Unsupported_DOCKER_HOST_is_refused_with_the_fix(string dockerHost)
    {
        Assert.False(DockerEndpoint.TryParse(dockerHost, out _, out var error));
        Assert.Contains("unix:///", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.41", "1.12", "1.41")] // Docker 20.10, this machine
    [InlineData("1.52", "1.44", "1.51")] // newer engine: ours
    [InlineData("1.40", "1.12", "1.40")] // older engine: its own
    [InlineData("1.41", null, "1.41")] // Podman's compat API omits nothing we need
    [InlineData("2.0", "1.60", "1.60")] // an engine that dropped our version: its minimum
    [InlineData(null, null, "1.24")]
    public void Api_version_is_the_lower_of_the_engine_and_ours(string? engine, string? engineMin, string expected) =>
        Assert.Equal(expected, DockerApiClient.ChooseApiVersion(engine, engineMin));

    [Fact]
    public void Permission_denied_on_the_socket_says_so_with_the_fix()
    {
        Assert.True(DockerEndpoint.TryParse("unix:///", out var endpoint, out _)); // "/" exists, so not "missing"
        var status = DockerFailure.Describe(new HttpTransportException("GET /version on unix:///: cannot connect", new SocketException((int)SocketError.AccessDenied)), endpoint!);
        // The compose file's group is DOCKER_GID (999 unless set), which Debian's docker group (a system gid) rarely is.
        Assert.Equal(
            "permission denied: / (run the agent as root or in the socket's group, e.g. --group-add $(stat -c %g /); " +
            "with deploy/docker-compose.yml: DOCKER_GID=<that group id> in /opt/upanel-agent/.env, then docker compose up -d)",
            status);
        Assert.Equal("permission denied", DockerFailure.KindOf(status));
    }
}
