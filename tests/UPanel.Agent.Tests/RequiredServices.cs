namespace UPanel.Agent.Tests;

/// <summary>
/// Tests that need a real service (Docker engine) call this first. Locally a missing service skips the test;
/// with UPANEL_REQUIRE_SERVICES=1 (CI) it fails it, so a broken CI machine cannot pass by skipping.
/// </summary>
internal static class RequiredServices
{
    public const string DockerSocket = "/var/run/docker.sock";

    public static bool Required => Environment.GetEnvironmentVariable("UPANEL_REQUIRE_SERVICES") == "1";

    public static void Docker()
    {
        if (File.Exists(DockerSocket))
        {
            return;
        }

        var message = $"Docker engine not running ({DockerSocket} missing): start dockerd (see scripts/services.sh).";
        if (Required)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
