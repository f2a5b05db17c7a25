namespace UPanel.Tests.Shared;

/// <summary>
/// Tests that need a real service (Docker engine, Podman API, PostgreSQL, root for mounts) call this first. Locally a
/// missing service skips the test; with UPANEL_REQUIRE_SERVICES=1 (CI, scripts/test.sh) it fails it, so a broken CI
/// machine cannot pass by skipping.
/// </summary>
internal static class RequiredServices
{
    public const string DockerSocket = "/var/run/docker.sock";

    /// <summary>Path of the Podman API socket scripts/services.sh serves (Podman's Docker-compatible API).</summary>
    public const string PodmanSocketVariable = "UPANEL_TEST_PODMAN_SOCKET";

    /// <summary>The connection string of the PostgreSQL server scripts/services.sh starts.</summary>
    public const string PostgresVariable = "UPANEL_TEST_POSTGRES";

    public static bool Required => Environment.GetEnvironmentVariable("UPANEL_REQUIRE_SERVICES") == "1";

    /// <summary>The Podman API socket, when scripts/services.sh started it (and exported its path).</summary>
    public static string? PodmanSocket =>
        Environment.GetEnvironmentVariable(PodmanSocketVariable) is { Length: > 0 } path && File.Exists(path) ? path : null;

    public static void Docker()
    {
        if (!File.Exists(DockerSocket))
        {
            Unavailable($"Docker engine not running ({DockerSocket} missing): start dockerd (see scripts/services.sh).");
        }
    }

    public static string Podman()
    {
        if (PodmanSocket is not { } socket)
        {
            Unavailable($"Podman API not running ({PodmanSocketVariable} unset or its socket missing): source scripts/services.sh.");
            return null!;
        }

        return socket;
    }

    /// <summary>Mounting a tiny or read-only file system (queue fault tests) needs root, which CI has.</summary>
    public static void Root()
    {
        if (Environment.UserName != "root")
        {
            Unavailable("Not root: the test mounts a tmpfs (run as root, as CI does).");
        }
    }

    /// <summary>Fails the test in CI, skips it locally.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Unavailable(string message)
    {
        if (Required)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
