using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// The files under deploy/ checked by the tools users' machines run: shellcheck for the install script,
/// systemd-analyze for the unit; and the copies the install script carries equal the files in the repository.
/// </summary>
public sealed partial class DeployFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("upanel-unit-root-").FullName;

    private static string Deploy(string file) => Path.Combine(RepositoryRoot.Path, "deploy", file);

    [Theory]
    [InlineData("COMPOSE", "docker-compose.yml")]
    [InlineData("UNIT", "upanel-agent.service")]
    public void Install_script_writes_the_repository_file_byte_for_byte(string heredoc, string file)
    {
        var script = File.ReadAllText(Deploy("install.sh"));
        var opening = $"<<'{heredoc}'\n";
        var start = script.IndexOf(opening, StringComparison.Ordinal) + opening.Length;
        var embedded = script[start..script.IndexOf($"\n{heredoc}\n", start, StringComparison.Ordinal)] + "\n";

        Assert.Equal(File.ReadAllText(Deploy(file)), embedded);
    }

    [Fact]
    public void Systemd_unit_turns_off_the_per_thread_malloc_caches_as_the_image_does()
    {
        var environment = File.ReadAllLines(Deploy("upanel-agent.service")).Where(l => l.StartsWith("Environment=", StringComparison.Ordinal));
        var dockerfile = File.ReadAllLines(Deploy("Dockerfile")).Where(l => l.StartsWith("ENV GLIBC_TUNABLES=", StringComparison.Ordinal));

        // docs/decisions/one-malloc-arena.md: without it the https agent's heap grows with its TLS connections.
        Assert.Contains("Environment=GLIBC_TUNABLES=glibc.malloc.tcache_count=0", environment);
        Assert.Equal(["ENV GLIBC_TUNABLES=glibc.malloc.tcache_count=0"], dockerfile);
    }

    [Fact]
    public async Task Install_script_passes_shellcheck_as_posix_sh()
    {
        var (exit, output) = await RunAsync("shellcheck", "--shell=sh", Deploy("install.sh"));

        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Install_script_help_exits_0_and_explains_every_option_the_script_accepts()
    {
        // What `curl .../install.sh | sh -s -- --help` shows is all a user sees of the script: the header comment stays on the panel.
        var accepted = AcceptedOption().Matches(File.ReadAllText(Deploy("install.sh"))).Select(m => m.Groups[1].Value).Distinct();

        var (exit, output) = await RunAsync("sh", Deploy("install.sh"), "--help");

        Assert.Equal(0, exit);
        Assert.Equal(["--token", "--panel-url", "--ca-file", "--binary", "--systemd", "--uninstall"], accepted);
        Assert.All(accepted, option => Assert.Matches($"(?m)^  {option} .*[a-z]", output));
        Assert.Contains("\n  UPANEL_IMAGE=...    environment: another image", output);
    }

    [GeneratedRegex(@"(?m)^    (--[a-z-]+)[=)]")]
    private static partial Regex AcceptedOption();

    [Fact]
    public async Task Systemd_unit_passes_systemd_analyze_verify_and_is_hardened()
    {
        // A root holding the unit, the binary it starts (the published agent) and systemd's own units, so verify checks
        // ExecStart and the dependencies without installing anything on this host.
        Directory.CreateDirectory(Path.Combine(_root, "etc/systemd/system"));
        Directory.CreateDirectory(Path.Combine(_root, "usr/local/bin"));
        File.Copy(Deploy("upanel-agent.service"), Path.Combine(_root, "etc/systemd/system/upanel-agent.service"));
        File.Copy(await EndToEnd.AgentBinary.PathAsync(), Path.Combine(_root, "usr/local/bin/upanel-agent"));
        Directory.CreateDirectory(Path.Combine(_root, "usr/lib/systemd"));
        var (copied, copyOutput) = await RunAsync("cp", "-r", "/usr/lib/systemd/system", Path.Combine(_root, "usr/lib/systemd/"));
        Assert.True(copied == 0, copyOutput);

        var (exit, output) = await RunAsync("systemd-analyze", "verify", $"--root={_root}", "/etc/systemd/system/upanel-agent.service");
        var (_, security) = await RunAsync("systemd-analyze", "security", "--offline=yes", Deploy("upanel-agent.service"));

        Assert.True(exit == 0 && output.Length == 0, $"systemd-analyze verify ({exit}): {output}");
        var exposure = double.Parse(ExposureLevel().Match(security).Groups[1].Value, CultureInfo.InvariantCulture);
        TestContext.Current.TestOutputHelper?.WriteLine($"systemd-analyze security: exposure {exposure}");
        // systemd's scale: 10 is unprotected, below 4 "OK". Loosening the sandbox shows here.
        Assert.InRange(exposure, 0, 3.5);
    }

    [GeneratedRegex(@"Overall exposure level for upanel-agent\.service: ([0-9.]+)")]
    private static partial Regex ExposureLevel();

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
    }
}
