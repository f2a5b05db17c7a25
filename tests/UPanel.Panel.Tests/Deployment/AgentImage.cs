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

    /// <summary>The tag for this checkout's image (scripts/test.sh builds the same): other checkouts on the machine build theirs.</summary>
    private static string LocalName =>
        $"upanel-test/agent:test-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RepositoryRoot.Path)))[..8]}";

    public static Task<string> NameAsync()
    {
        RequiredServices.Docker();
        return Built.Value;
    }

    /// <summary>
    /// <c>upanel-agent register</c> in the image as the install script runs it (root, host network, the config directory
    /// at /opt/upanel-agent). The install token goes through a 0600 --env-file, never a command line. Returns its
    /// output; throws when it fails.
    /// </summary>
    public static async Task<string> RegisterAsync(Uri panelUrl, string installToken, string configDirectory, IEnumerable<string> dockerOptions)
    {
        var image = await NameAsync();
        var tokenFile = Path.Combine(Directory.CreateTempSubdirectory("upanel-install-token-").FullName, "env");
        File.WriteAllText(tokenFile, "");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(tokenFile, $"INSTALL_TOKEN={installToken}\n");
        try
        {
            return await DockerCli.RunAsync(
            [
                "run", "--rm", "--network", "host", "--user", "0:0", "--env-file", tokenFile,
                "-v", $"{configDirectory}:/opt/upanel-agent", .. dockerOptions,
                image, "register", "--panel-url", panelUrl.ToString(),
            ]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(tokenFile)!, recursive: true);
        }
    }

    private static async Task<string> BuildAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return given;
        }

        using var build = Process.Start(new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "scripts", "build-image.sh"), [LocalName])
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
