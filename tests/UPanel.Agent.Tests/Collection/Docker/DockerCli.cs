using System.Diagnostics;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>The real docker CLI, to create test containers and to read the engine's own view to compare against.</summary>
internal static class DockerCli
{
    public const string Image = "upanel-test/busybox";

    /// <summary>Every test container carries it, so cleanup (and a rerun after a crash) finds them all.</summary>
    public const string Label = "upanel-test=1";

    public static async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }

        return (await stdout).Trim();
    }

    /// <summary><c>docker run -d --network none --label upanel-test=1 --name NAME [options] busybox command...</c>; returns the full id.</summary>
    public static Task<string> StartAsync(string name, string[] options, params string[] command) =>
        RunAsync(["run", "-d", "--network", "none", "--label", Label, "--name", name, .. options, Image, .. command]);

    public static Task<string> InspectAsync(string id, string format) => RunAsync("inspect", "-f", format, id);

    public static async Task RemoveAsync(IEnumerable<string> ids)
    {
        var list = ids.ToArray();
        if (list.Length > 0)
        {
            await RunAsync(["rm", "-f", "-v", .. list]);
        }
    }

    /// <summary>Polls until <paramref name="format"/> of the container renders <paramref name="expected"/> (engine-side state, not a sleep).</summary>
    public static async Task WaitForAsync(string id, string format, Func<string, bool> expected, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string last;
        do
        {
            last = await InspectAsync(id, format);
            if (expected(last))
            {
                return;
            }

            await Task.Delay(200);
        }
        while (clock.Elapsed < timeout);

        throw new TimeoutException($"{id[..12]}: {format} is still '{last}' after {timeout.TotalSeconds} s");
    }
}
