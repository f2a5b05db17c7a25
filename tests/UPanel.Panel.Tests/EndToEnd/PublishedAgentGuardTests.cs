using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// The published agent still carries what its project file asks of the SDK: the ILC substitution that removes certificate
/// downloads and the runtime knobs embedded in the binary. These rest on runtime internals (a type's name, the names the
/// GC and the thread pool read their settings by); when an SDK moves them, the build still succeeds and the setting just
/// stops applying. These tests fail then, naming what stopped and its decision record.
/// </summary>
public sealed class PublishedAgentGuardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-e2e-guard-").FullName;

    [Fact]
    public async Task Agent_downloads_no_missing_intermediate_certificate()
    {
        using var ca = new PrivateCa();
        await using var aia = new CountingHttpServer();
        var (server, intermediate) = ca.IssueBelowIntermediate("localhost", aia.Url);
        aia.Body = intermediate;
        // Sends only the server's own certificate; nothing listens behind it (the handshake must fail before that matters).
        await using var tls = new TlsTerminator(targetPort: 9, server, "127.0.0.1");
        var root = Path.Combine(_dir, "root.pem");
        await File.WriteAllTextAsync(root, ca.RootPem, TestContext.Current.CancellationToken);

        var (exit, output) = await AgentProcess.RunAsync(
            ["register", "--panel-url", tls.Url.ToString(), "--env-file", Path.Combine(_dir, "agent.env")],
            new Dictionary<string, string>
            {
                ["INSTALL_TOKEN"] = "guard-test-install-token",
                ["SSL_CERT_FILE"] = root,
                // A HOME of its own: .NET also looks for intermediates in the user's CA store under HOME.
                ["HOME"] = _dir,
            });

        Assert.True(aia.Requests == 0,
            $"the agent requested the intermediate certificate from the AIA URL {aia.Requests} time(s): the ILC substitution "
            + "src/UPanel.Agent/NoCertificateDownloads.xml no longer applies with this SDK (X509ResourceClient moved or was "
            + "renamed?), so System.Net.Http is linked back in; see docs/decisions/no-certificate-downloads.md");
        Assert.NotEqual(0, exit);
        Assert.Contains("the server must send its whole chain", output);
        Assert.Equal(0, tls.ForwardedBytes);
    }

    [Fact]
    public async Task Agent_reads_each_trusted_certificate_once_and_the_runtime_reads_none()
    {
        using var ca = new PrivateCa();
        // Nothing listens behind it: the handshake is what this watches.
        await using var tls = new TlsTerminator(targetPort: 9, ca.Issue("localhost"), "localhost");
        var certs = Directory.CreateDirectory(Path.Combine(_dir, "certs")).FullName;
        var root = Path.Combine(certs, "root.pem");
        await File.WriteAllTextAsync(root, ca.RootPem, TestContext.Current.CancellationToken);
        var bundle = Path.Combine(_dir, "bundle.pem");
        await File.WriteAllTextAsync(bundle, ca.RootPem, TestContext.Current.CancellationToken);
        var trace = Path.Combine(_dir, "strace.log");

        var (_, output) = await AgentProcess.RunAsync(
            ["register", "--panel-url", tls.Url.ToString(), "--env-file", Path.Combine(_dir, "agent.env")],
            new Dictionary<string, string>
            {
                ["INSTALL_TOKEN"] = "guard-test-install-token",
                ["SSL_CERT_FILE"] = bundle,
                ["SSL_CERT_DIR"] = certs,
                ["HOME"] = _dir,
            },
            ["strace", "-f", "-qq", "-e", "trace=openat", "-o", trace]);

        var opened = (await File.ReadAllLinesAsync(trace, TestContext.Current.CancellationToken))
            .Where(line => !line.Contains("O_DIRECTORY", StringComparison.Ordinal)).ToList();
        var counts = $"{bundle} {opened.Count(l => l.Contains($"\"{bundle}\"", StringComparison.Ordinal))} time(s), "
            + $"{root} {opened.Count(l => l.Contains($"\"{root}\"", StringComparison.Ordinal))} time(s)";
        Assert.True(counts == $"{bundle} 1 time(s), {root} 1 time(s)",
            $"the agent opened {counts}, expected once each: by the agent's own read (src/UPanel.Agent/Http/SystemTrustStore.cs). "
            + "A second open is .NET's own system store reading them too: the ILC substitution "
            + "src/UPanel.Agent/NoRuntimeTrustStore.xml no longer applies with this SDK (OpenSslCachedSystemStoreProvider.TryStat "
            + "renamed or moved?), so the https agent holds the certificates twice and re-reads them every 5 minutes; see "
            + "docs/decisions/trust-store-read-once.md. Agent output: " + output);
        // Validated with what it read: the private CA's certificate was trusted, and the request failed only behind it.
        Assert.Equal(1, tls.Sessions);
        Assert.DoesNotContain("TLS:", output, StringComparison.Ordinal);
    }

    [Theory]
    // --runtimeopt in UPanel.Agent.csproj; the GC matches the names without regard to case (it reads GCGen0MaxBudget).
    [InlineData("GCgen0size", "docs/decisions/gc-settings.md")]
    [InlineData("GCgen0MaxBudget", "docs/decisions/gc-settings.md")]
    public async Task Embedded_gc_setting_is_one_the_gc_reads(string name, string record)
    {
        var binary = await File.ReadAllBytesAsync(await AgentBinary.PathAsync(), TestContext.Current.CancellationToken);

        // Once in the settings ILC embeds, once in the GC's own table of the settings it looks up.
        var found = CountCaseInsensitive(binary, Encoding.ASCII.GetBytes($"\0{name}\0"));

        Assert.True(found >= 2,
            $"{name} is in the published agent {found} time(s), expected twice: embedded by --runtimeopt in "
            + $"src/UPanel.Agent/UPanel.Agent.csproj and named in the GC's table of the settings it reads. This SDK no longer "
            + $"embeds it or its GC no longer reads a setting of that name, so it does not apply; see {record}");
    }

    [Fact]
    public async Task Embedded_thread_pool_spin_limit_is_the_one_the_thread_pool_reads()
    {
        const string name = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";
        var binary = await File.ReadAllBytesAsync(await AgentBinary.PathAsync(), TestContext.Current.CancellationToken);

        // The RuntimeHostConfigurationOption, as ILC embeds it (UTF-8, NUL-terminated).
        var embedded = CountCaseInsensitive(binary, Encoding.UTF8.GetBytes($"\0{name}\0"));
        // The thread pool's own string literal it reads the setting by (UTF-16). Its last character is left out: this
        // SDK's layout of string literals does not store it as a plain UTF-16 unit.
        var read = CountCaseInsensitive(binary, Encoding.Unicode.GetBytes(name[..^1]));

        Assert.True(embedded >= 1 && read >= 1,
            $"{name}: embedded {embedded} time(s), read by the thread pool {read} time(s), expected both: the "
            + "RuntimeHostConfigurationOption in src/UPanel.Agent/UPanel.Agent.csproj no longer reaches the published binary, "
            + "or this SDK's thread pool no longer reads a setting of that name, so workers spin again; see "
            + "docs/decisions/thread-pool-spin.md");
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private static int CountCaseInsensitive(byte[] haystack, byte[] needle)
    {
        static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        var count = 0;
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && Lower(haystack[i + j]) == Lower(needle[j]))
            {
                j++;
            }

            if (j == needle.Length)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Answers every HTTP request with <see cref="Body"/> and counts the requests: a CA's AIA URL.</summary>
    private sealed class CountingHttpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _requests;

        public CountingHttpServer()
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/intermediate.cer");
            _accepting = AcceptLoopAsync();
        }

        public Uri Url { get; }

        public byte[] Body { get; set; } = [];

        public int Requests => Volatile.Read(ref _requests);

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _requests);
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    _ = await stream.ReadAsync(buffer, _stop.Token);
                    var head = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(head, _stop.Token);
                    await stream.WriteAsync(Body, _stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException
                    // A TcpListener stopped between two accepts throws InvalidOperationException ("Not listening").
                    or InvalidOperationException)
                {
                    if (_stop.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
        }
    }
}
