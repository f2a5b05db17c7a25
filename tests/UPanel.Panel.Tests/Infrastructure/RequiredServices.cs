namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>
/// A test needing a real service it cannot reach: skipped locally, failed with UPANEL_REQUIRE_SERVICES=1 (CI), so a
/// broken CI machine cannot pass by skipping.
/// </summary>
internal static class RequiredServices
{
    public const string PostgresVariable = "UPANEL_TEST_POSTGRES";

    public static bool Required => Environment.GetEnvironmentVariable("UPANEL_REQUIRE_SERVICES") == "1";

    public const string DockerSocket = "/var/run/docker.sock";

    public static void Docker()
    {
        if (!File.Exists(DockerSocket))
        {
            Unavailable($"Docker engine not running ({DockerSocket} missing): start dockerd (see scripts/services.sh).");
        }
    }

    public static void Unavailable(string message)
    {
        if (Required)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
