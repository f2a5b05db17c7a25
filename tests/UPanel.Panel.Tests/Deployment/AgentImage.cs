using System.Diagnostics;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// The agent's container image, built here without pulling (scripts/build-image.sh). scripts/test.sh builds it once and
/// passes its name in UPANEL_AGENT_IMAGE; a run without it (an IDE) builds it here, once per run.
/// </summary>
internal static class AgentImage
{
    public const string Variable = "UPANEL_AGENT_IMAGE";

    private static readonly Lazy<Task<string>> Built = new(BuildAsync);

    public static Task<string> NameAsync()
    {
        RequiredServices.Docker();
        return Built.Value;
    }

    private static async Task<string> BuildAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return given;
        }

        using var build = Process.Start(new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "scripts", "build-image.sh"), ["upanel-test/agent:test"])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(build.ExitCode == 0, $"scripts/build-image.sh failed:\n{await output}\n{await errors}");
        return (await output).Trim();
    }
}
