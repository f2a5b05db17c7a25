using System.Text.RegularExpressions;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// What survives a power cut: the agent's secrets are renamed into place and then the directory is fsynced, so the
/// new env file (or rotated token) cannot come back as the old one. Observed with strace on the real binary.
/// </summary>
public sealed class AgentDurabilityTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-durable-").FullName;

    [Fact]
    public async Task Register_fsyncs_the_env_files_directory_after_renaming_it_into_place()
    {
        var envFile = Path.Combine(_dir, "agent.env");
        var trace = Path.Combine(_dir, "strace.log");
        var (exit, output) = await AgentProcess.RunAsync(
            ["register", "--panel-url", fixture.Host.BaseAddress.ToString(), "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = await fixture.Host.CreateInstallTokenAsync() },
            ["strace", "-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2,fsync", "-o", trace]);

        Assert.True(exit == 0, output);
        var calls = File.ReadAllLines(trace);
        var rename = Array.FindIndex(calls, c => Regex.IsMatch(c, $@"rename\w*\(.*""{Regex.Escape(envFile)}"""));
        Assert.True(rename >= 0, "no rename onto the env file:\n" + string.Join('\n', calls));
        var directoryOpen = Array.FindIndex(calls, rename, c => c.Contains($"\"{_dir}\"") && c.Contains("openat("));
        Assert.True(directoryOpen > rename, "the directory was not opened after the rename:\n" + string.Join('\n', calls[rename..]));
        var fd = Regex.Match(calls[directoryOpen], @"=\s*(\d+)\s*$").Groups[1].Value;
        Assert.Contains(calls[directoryOpen..], c => c.Contains($"fsync({fd})") && c.TrimEnd().EndsWith("= 0"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
