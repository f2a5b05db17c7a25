using System.Diagnostics;
using System.Text;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Security;

/// <summary>
/// The panel as a real process, as systemd or Docker runs it: everything it prints ends up in the journal or in
/// <c>docker logs</c>, and it starts in a data directory someone else created.
/// </summary>
public sealed class PanelProcessTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_generated_admin_key_is_never_printed_and_the_output_names_its_file()
    {
        using var directory = new OpenDataDirectory();

        var output = await RunUntilListeningAsync(directory.Path);

        var keyFile = Path.Combine(directory.Path, "admin-key");
        var key = (await File.ReadAllTextAsync(keyFile, TestContext.Current.CancellationToken)).Trim();
        Assert.Equal(64, key.Length);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);
        Assert.Contains(keyFile, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_database_files_are_0600_in_an_existing_0755_directory_and_the_log_says_it_is_open()
    {
        using var directory = new OpenDataDirectory();

        var modes = new List<(string, UnixFileMode?)>();
        // While it runs: SQLite removes the -wal and -shm files when the last connection closes.
        var output = await RunUntilListeningAsync(directory.Path, () => modes.AddRange(
            new[] { "panel.db", "panel.db-wal", "panel.db-shm", "admin-key", "token.key" }.Select(name =>
                (name, File.Exists(Path.Combine(directory.Path, name)) ? File.GetUnixFileMode(Path.Combine(directory.Path, name)) : (UnixFileMode?)null))));

        Assert.All(modes, file => Assert.Equal((file.Item1, Private), (file.Item1, file.Item2)));

        Assert.Contains($"the data directory {directory.Path} is open to others (mode 0755)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_world_readable_database_is_made_0600()
    {
        using var directory = new OpenDataDirectory();
        await RunUntilListeningAsync(directory.Path);
        var database = Path.Combine(directory.Path, "panel.db");
        File.SetUnixFileMode(database, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await RunUntilListeningAsync(directory.Path);

        Assert.Equal(Private, File.GetUnixFileMode(database));
    }

    [Fact]
    public async Task A_first_start_does_not_warn_about_unencrypted_cookie_keys_which_are_0600_in_a_0700_directory()
    {
        using var directory = new OpenDataDirectory();

        var output = await RunUntilListeningAsync(directory.Path);

        Assert.DoesNotContain("XmlKeyManager", output, StringComparison.Ordinal);
        Assert.DoesNotContain("No XML encryptor configured", output, StringComparison.Ordinal);
        var keys = Path.Combine(directory.Path, "cookie-keys");
        Assert.Equal(Private | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
        var key = Assert.Single(Directory.GetFiles(keys));
        Assert.Equal(Private, File.GetUnixFileMode(key));
    }

    [Fact]
    public async Task A_taken_port_prints_the_two_clear_lines_and_no_stack_trace()
    {
        using var directory = new OpenDataDirectory();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";
        var start = PanelStart(directory.Path, url);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(1, process.ExitCode);
        Assert.Equal(
            $"upanel-panel: cannot listen: Failed to bind to address {url}: address already in use.\n" +
            "fix: stop the program that listens there (ss -ltnp names it) or choose a free address with --urls or ASPNETCORE_URLS (e.g. --urls http://127.0.0.1:18080)\n",
            await stderr);
        var output = await stdout;
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // a stack frame
        Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("install-tokens", "create")]
    [InlineData("--data-dri", "DIR")]
    public async Task A_mistyped_command_or_option_exits_2_and_creates_no_data_directory(string first, string second)
    {
        using var directory = new OpenDataDirectory();
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "upanel-panel"), [first, second.Replace("DIR", Path.Combine(directory.Path, "panel"), StringComparison.Ordinal)])
        {
            WorkingDirectory = directory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("UPANEL_DATA_DIR");
        start.Environment.Remove("UPANEL_POSTGRES");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith($"upanel-panel: unknown {(first.StartsWith('-') ? "option" : "command")} '{first}': ", await stderr, StringComparison.Ordinal);
        Assert.Equal("", await stdout);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    private static ProcessStartInfo PanelStart(string dataDirectory, string url)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "upanel-panel"), ["--data-dir", dataDirectory, "--urls", url]);
        start.Environment.Remove("UPANEL_POSTGRES");
        start.Environment.Remove("UPANEL_ADMIN_KEY");
        return start;
    }

    /// <summary>Starts the panel, waits until it serves, runs <paramref name="whileRunning"/>, stops it with SIGTERM and returns stdout and stderr.</summary>
    private static async Task<string> RunUntilListeningAsync(string dataDirectory, Action? whileRunning = null)
    {
        await using var panel = await PanelProcess.StartAsync(dataDirectory);
        whileRunning?.Invoke();
        panel.Signal("TERM");
        await panel.WaitForExitAsync();
        return panel.Output;
    }

    /// <summary>A data directory created by someone else before the panel's first start, mode 0755.</summary>
    private sealed class OpenDataDirectory : IDisposable
    {
        public OpenDataDirectory()
        {
            Path = Directory.CreateTempSubdirectory("upanel-harden-data-").FullName;
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
