using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
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
            await using var panel = await PanelProcess.StartAsync(directory);
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
                () => Task.FromResult(panel.Checkpoints),
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

    /// <summary>upanel-panel on its own data directory, its checkpointer's cycles counted from its log.</summary>
    private sealed class PanelProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private int _checkpoints;

        private PanelProcess(Process process, string directory)
        {
            _process = process;
            Directory = directory;
        }

        public string Directory { get; }

        public Uri BaseAddress { get; private set; } = null!;

        public int Checkpoints => Volatile.Read(ref _checkpoints);

        public int ExitCode => _process.ExitCode;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<PanelProcess> StartAsync(string directory)
        {
            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "upanel-panel"), ["--data-dir", directory, "--urls", "http://127.0.0.1:0"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment.Remove("UPANEL_POSTGRES");
            start.Environment.Remove("UPANEL_ADMIN_KEY");
            start.Environment["Logging__LogLevel__UPanel.Panel.Storage.SqliteCheckpointer"] = "Debug";
            var panel = new PanelProcess(new Process { StartInfo = start }, directory);
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            DataReceivedEventHandler read = (_, e) =>
            {
                if (e.Data is not { } line)
                {
                    return;
                }

                lock (panel._output)
                {
                    panel._output.AppendLine(line);
                }

                if (line.Contains("Checkpoint: ", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref panel._checkpoints);
                }
                else if (line.Contains("Now listening on: ", StringComparison.Ordinal))
                {
                    listening.TrySetResult(new Uri(line[(line.IndexOf("http", StringComparison.Ordinal))..].Trim()));
                }
            };
            panel._process.OutputDataReceived += read;
            panel._process.ErrorDataReceived += read;
            panel._process.Start();
            panel._process.BeginOutputReadLine();
            panel._process.BeginErrorReadLine();
            panel.BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            return panel;
        }

        public async Task<RegisterResponse> RegisterAsync(string hostname)
        {
            using var client = new HttpClient { BaseAddress = BaseAddress };
            var adminKey = (await File.ReadAllTextAsync(Path.Combine(Directory, "admin-key"))).Trim();
            using var install = new HttpRequestMessage(HttpMethod.Post, "/api/admin/install-tokens") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            install.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var installed = await client.SendAsync(install);
            var token = (await PanelHost.ReadJsonAsync(installed, 200)).GetProperty("install_token").GetString()!;
            using var register = new HttpRequestMessage(HttpMethod.Post, "/api/agent/register")
            {
                Content = new StringContent(PanelHost.RegisterBody(hostname, Guid.NewGuid().ToString("N")), Encoding.UTF8, "application/json"),
            };
            register.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var registered = await client.SendAsync(register);
            var text = await registered.Content.ReadAsStringAsync();
            Assert.True(registered.StatusCode == HttpStatusCode.OK, text);
            return JsonSerializer.Deserialize(text, ContractsJsonContext.Default.RegisterResponse)!;
        }

        public void Signal(string signal)
        {
            using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public async Task WaitForExitAsync()
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            _process.WaitForExit();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
