namespace UPanel.Tests.Shared;

/// <summary>The real docker CLI, to create test containers and to read the engine's own view to compare against.</summary>
internal static class DockerCli
{
    public const string Image = "upanel-test/busybox";

    /// <summary>Every test container carries it, so cleanup (and a rerun after a crash) finds them all.</summary>
    public const string Label = "upanel-test=1";

    private static readonly EngineCli Docker = new("docker");

    public static Task<string> RunAsync(params string[] args) => Docker.RunAsync(args);

    /// <summary><c>docker run -d --network none --label upanel-test=1 --name NAME [options] busybox command...</c>; returns the full id.</summary>
    public static Task<string> StartAsync(string name, string[] options, params string[] command) =>
        Docker.StartAsync(name, options, command);

    public static Task<string> InspectAsync(string id, string format) => Docker.InspectAsync(id, format);

    public static async Task RemoveAsync(IEnumerable<string> ids)
    {
        var list = ids.ToArray();
        if (list.Length > 0)
        {
            await Docker.RunAsync(["rm", "-f", "-v", .. list]);
        }
    }

    /// <summary>Polls until <paramref name="format"/> of the container renders <paramref name="expected"/> (engine-side state, not a sleep).</summary>
    public static Task WaitForAsync(string id, string format, Func<string, bool> expected, TimeSpan timeout) =>
        Docker.WaitForAsync(id, format, expected, timeout);
}
