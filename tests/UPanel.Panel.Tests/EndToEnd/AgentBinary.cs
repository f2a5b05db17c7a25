using System.Diagnostics;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// The real Native AOT agent. scripts/test.sh publishes it once and passes its path in UPANEL_AGENT_BINARY; a test run
/// without it (an IDE) publishes it here, once per run.
/// </summary>
internal static class AgentBinary
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    public static Task<string> PathAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        if (Environment.GetEnvironmentVariable("UPANEL_AGENT_BINARY") is { Length: > 0 } given)
        {
            Assert.True(File.Exists(given), $"UPANEL_AGENT_BINARY={given} does not exist");
            return given;
        }

        var output = Directory.CreateTempSubdirectory("upanel-e2e-agent-").FullName;
        using var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", "src/UPanel.Agent", "-c", "Release", "-o", output, "--nologo"])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(publish.ExitCode == 0, $"publishing the agent failed:\n{await log}\n{await errors}");
        return Path.Combine(output, "upanel-agent");
    }
}
