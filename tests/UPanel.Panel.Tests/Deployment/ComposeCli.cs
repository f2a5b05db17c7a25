using System.Diagnostics;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// Docker Compose in a project directory: `docker compose` (v2) where it is installed, else Debian's docker-compose 1.29
/// (what apt has here); deploy/docker-compose.yml is written for both.
/// </summary>
internal static class ComposeCli
{
    private static readonly Lazy<Task<string[]>> Command = new(async () =>
        await RunProcessAsync(["docker", "compose", "version"], "/") is (0, _) ? ["docker", "compose"] : ["docker-compose"]);

    public static async Task<string> RunAsync(string directory, params string[] args)
    {
        var command = await Command.Value;
        var (exit, output) = await RunProcessAsync([.. command, .. args], directory);
        Assert.True(exit == 0, $"{string.Join(' ', command)} {string.Join(' ', args)} failed ({exit}): {output}");
        return output;
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(string[] command, string directory)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
