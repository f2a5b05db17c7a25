using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using UPanel.Contracts;
using UPanel.Panel.Tests.Infrastructure;
using UPanel.Tests.Shared;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// The panel as a real process on SQLite, under a fleet's heartbeats, killed (SIGKILL) or stopped (SIGTERM) while its
/// checkpointer copies the write-ahead log beside the writer (docs/decisions/ingest-throughput.md, twelfth pass): every
/// heartbeat it acknowledged is in the database afterwards. Stopped, it leaves no log behind: the checkpointer stops
/// and the last connection copies what is left.
/// </summary>
public sealed class PanelCrashTests
{
    private const int Servers = 16;
    private const int Senders = 8;

    [Theory]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task A_panel_ended_mid_checkpoint_under_load_keeps_every_heartbeat_it_acknowledged(string signal)
    {
        var cancel = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("upanel-crash-").FullName;
        try
        {
            await using var panel = await PanelProcess.StartAsync(directory, new Dictionary<string, string> { ["Logging__LogLevel__UPanel.Panel.Storage.SqliteCheckpointer"] = "Debug" });
            var servers = new List<RegisterResponse>();
            for (var i = 0; i < Servers; i++)
            {
                servers.Add(await panel.RegisterAsync($"crash-{i:D2}"));
            }

            var acknowledged = new ConcurrentBag<string>();
            using var stopSending = new CancellationTokenSource();
            var senders = Enumerable.Range(0, Senders)
                .Select(s => Task.Run(() => SendAsync(panel, servers.Where((_, i) => i % Senders == s).ToList(), acknowledged, stopSending.Token), cancel))
                .ToList();

            // A cycle done (the log copied and started again) and the next one under way when the panel ends.
            await Poll.UntilAsync(
                () => Task.FromResult(Checkpoints(panel.Output)),
                checkpoints => checkpoints >= 2,
                "two checkpoint cycles under load",
                TimeSpan.FromSeconds(120),
                checkpoints => $"{checkpoints} cycles, {acknowledged.Count} heartbeats acknowledged\n{panel.Output}");
            panel.Signal(signal);
            await panel.WaitForExitAsync();
            await stopSending.CancelAsync();
            await Task.WhenAll(senders);

            var stored = await StoredAsync(Path.Combine(directory, "panel.db"));
            Assert.True(acknowledged.Count >= 1_000, $"{acknowledged.Count} heartbeats acknowledged");
            var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged heartbeats are not stored");
            if (signal == "TERM")
            {
                Assert.True(panel.ExitCode == 0, panel.Output);
                Assert.False(File.Exists(Path.Combine(directory, "panel.db-wal")), "the write-ahead log is left after a stop");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Heartbeats with 20 containers (the bench's size), one server after another, until stopped or the panel is gone.</summary>
    private static async Task SendAsync(PanelProcess panel, List<RegisterResponse> servers, ConcurrentBag<string> acknowledged, CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = panel.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var seq = 0L;
        while (!stop.IsCancellationRequested)
        {
            foreach (var server in servers)
            {
                seq++;
                var heartbeat = new Heartbeat
                {
                    ServerId = server.ServerId,
                    Timestamp = DateTimeOffset.UtcNow,
                    Metrics = new HostMetrics { CpuPercent = seq % 100, RamUsedMb = 1024, RamTotalMb = 4096, DiskUsedGb = 45, DiskTotalGb = 100 },
                    Containers = [.. Enumerable.Range(0, 20).Select(i => new ContainerInfo
                    {
                        Id = $"{i:D4}{seq:D8}".PadRight(12, '0'), Name = $"app_{i}", Image = "registry.example.com/app:1.0", Status = "running",
                        UptimeSeconds = seq, CpuPercent = (seq + i) % 100, MemoryMb = 100 + i,
                    })],
                    AgentVersion = "1.0.0",
                    HeartbeatId = Ulid.NewUlid().ToString(),
                    Seq = seq,
                };
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat")
                {
                    Content = new StringContent(JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat), Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.AgentToken);
                try
                {
                    using var response = await client.SendAsync(request, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged.Add(heartbeat.HeartbeatId!);
                    }
                }
                catch (HttpRequestException)
                {
                    // The panel is gone: what it did not answer was not acknowledged.
                    return;
                }
            }
        }
    }

    /// <summary>The checkpointer's cycles the panel logged (its debug line, one per cycle; not its failure or recovery lines).</summary>
    private static int Checkpoints(string output) => output.Split(" frames in the log, ").Length - 1;

    private static async Task<HashSet<string>> StoredAsync(string database)
    {
        // Opened as the next start would: SQLite recovers the committed transactions from the log.
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT heartbeat_id FROM heartbeats";
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
