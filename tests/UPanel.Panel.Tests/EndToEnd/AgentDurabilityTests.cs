using System.Text.RegularExpressions;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// What survives a power cut: the agent's secrets are renamed into place and then the directory is fsynced, so the
/// new env file (or rotated token) cannot come back as the old one; a heartbeat the panel did not take is fsynced in
/// the queue, one it took at once is not (docs/decisions/one-thread-per-heartbeat.md, fifth pass). Observed with
/// strace on the real binary.
/// </summary>
public sealed partial class AgentDurabilityTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>, IDisposable
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

    [Fact]
    public async Task Run_fsyncs_the_queue_for_a_heartbeat_the_panel_did_not_take_and_not_for_one_it_took_at_once()
    {
        var server = await fixture.Host.NewServerAsync("fsync-host");
        using (var settings = await fixture.Host.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", fixture.Host.AdminKey, """{"next_heartbeat_seconds":5}"""))
        {
            await PanelHost.ReadJsonAsync(settings, 200);
        }

        // The panel takes every heartbeat: three written, none fsynced before the agent is told to stop.
        var (taken, takenOutput) = await RunTracedAsync("taken", fixture.Host.BaseAddress, server, output => Delivered().Count(output) >= 3);
        var stop = taken.FindIndex(c => c.IsStop);
        var heartbeats = HeartbeatWrites(taken);
        Assert.True(stop > 0 && heartbeats.Count(i => i < stop) >= 3, takenOutput);
        Assert.DoesNotContain(taken[heartbeats[0]..stop], c => c.IsSync);

        // Nobody listens: every heartbeat is fsynced after its failed attempt, before the next record is written.
        var nobody = new Uri($"http://127.0.0.1:{AgentEndToEndTests<SqlitePanelFixture>.FreePort()}");
        var (refused, refusedOutput) = await RunTracedAsync("refused", nobody, server, output => NotDelivered().Count(output) >= 3);
        heartbeats = HeartbeatWrites(refused);
        Assert.True(heartbeats.Count >= 2, refusedOutput);
        foreach (var write in heartbeats)
        {
            var next = refused.FindIndex(write + 1, c => c.IsWrite);
            Assert.Contains(refused[write..(next < 0 ? refused.Count : next)], c => c.IsSync);
        }
    }

    private static List<int> HeartbeatWrites(List<QueueCall> calls) =>
        [.. calls.Select((call, i) => (call, i)).Where(x => x.call.IsHeartbeatWrite).Select(x => x.i)];

    /// <summary>Runs the agent under strace until <paramref name="enough"/> holds for its log, then stops it with SIGTERM.</summary>
    private async Task<(List<QueueCall> Calls, string Output)> RunTracedAsync(
        string name, Uri panel, UPanel.Contracts.RegisterResponse server, Func<string, bool> enough)
    {
        var envFile = Path.Combine(_dir, $"{name}.env");
        File.WriteAllText(envFile, $"PANEL_URL={panel}\nSERVER_ID={server.ServerId}\nAGENT_TOKEN={server.AgentToken}\n");
        var trace = Path.Combine(_dir, $"{name}.strace");
        using var traced = await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--heartbeat-interval", "5", "--state-dir", Path.Combine(_dir, $"state-{name}"),
             "--health-listen", "off", "--docker-host", $"unix://{Path.Combine(_dir, "no-docker.sock")}"],
            new Dictionary<string, string> { ["LOG_LEVEL"] = "Debug" },
            ["strace", "-f", "-qq", "-e", "trace=openat,pwrite64,fsync", "-e", "signal=SIGTERM", "-o", trace]);
        await Poll.UntilAsync(() => enough(traced.Output), $"{name}: the heartbeats", TimeSpan.FromSeconds(60), () => traced.Output);

        // strace's child is the agent: it gets the SIGTERM, and strace exits with its exit code.
        var agent = File.ReadAllText($"/proc/{traced.Id}/task/{traced.Id}/children").Trim();
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", agent]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.Equal(0, await traced.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return (QueueCall.Parse(File.ReadAllLines(trace)), traced.Output);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"Heartbeat seq (\d+) delivered")]
    private static partial Regex Delivered();

    [GeneratedRegex("Heartbeat not delivered")]
    private static partial Regex NotDelivered();

    /// <summary>A system call on the queue's segment file, or the agent's SIGTERM, in the order strace saw them.</summary>
    private sealed record QueueCall(bool IsWrite, bool IsHeartbeatWrite, bool IsSync, bool IsStop)
    {
        public static List<QueueCall> Parse(string[] lines)
        {
            var calls = new List<QueueCall>();
            string? fd = null;
            foreach (var line in lines)
            {
                if (line.Contains("--- SIGTERM", StringComparison.Ordinal))
                {
                    calls.Add(new QueueCall(false, false, false, true));
                }
                else if (line.Contains("openat(", StringComparison.Ordinal) && line.Contains(".queue\"", StringComparison.Ordinal))
                {
                    fd = Regex.Match(line, @"=\s*(\d+)\s*$").Groups[1].Value;
                }
                else if (fd is not null && Regex.Match(line, $@"pwrite64\({fd}, .*, (\d+), \d+\)\s*=") is { Success: true } write)
                {
                    // A heartbeat is a 40-byte record header and its body; a marker is the header alone, a file header 16 bytes.
                    var bytes = int.Parse(write.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    calls.Add(new QueueCall(true, bytes > 40, false, false));
                }
                else if (fd is not null && line.Contains($"fsync({fd})", StringComparison.Ordinal))
                {
                    calls.Add(new QueueCall(false, false, true, false));
                }
            }

            return calls;
        }
    }
}
