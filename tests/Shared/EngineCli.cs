using System.Diagnostics;

namespace UPanel.Tests.Shared;

/// <summary>An engine's own command line (docker, or podman talking to the test API service), to create test containers
/// and to read the engine's own view to compare against.</summary>
internal sealed class EngineCli(string program, params string[] globalOptions)
{
    public async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in globalOptions.Concat(args))
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
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }

        return (await stdout).Trim();
    }

    /// <summary><c>run -d --network none --label upanel-test=1 --name NAME [options] busybox command...</c>; returns the full id.</summary>
    public Task<string> StartAsync(string name, string[] options, params string[] command) =>
        RunAsync(["run", "-d", "--network", "none", "--label", DockerCli.Label, "--name", name, .. options, DockerCli.Image, .. command]);

    public Task<string> InspectAsync(string id, string format) => RunAsync("inspect", "-f", format, id);

    /// <summary>Polls until <paramref name="format"/> of the container renders <paramref name="expected"/> (engine-side state, not a sleep).</summary>
    public Task WaitForAsync(string id, string format, Func<string, bool> expected, TimeSpan timeout) =>
        Poll.UntilAsync(() => InspectAsync(id, format), expected, $"{id[..12]}: {format}", timeout, last => $"'{last}'");

    /// <summary>Polls until <paramref name="path"/> exists inside the running container (what its command writes when
    /// it is ready), instead of sleeping for a time that a loaded machine may not honour.</summary>
    public Task WaitForFileAsync(string id, string path, TimeSpan timeout) =>
        Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await RunAsync("exec", id, "cat", path);
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            },
            $"{path} in {id[..12]}", timeout);
}
