using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>
/// upanel-panel as a real process on its own data directory (SQLite, a free port on 127.0.0.1), its stdout and stderr
/// kept; started once it says where it listens.
/// </summary>
internal sealed class PanelProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PanelProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the panel wrote so far, stdout and stderr as they came.</summary>
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

    /// <param name="environment">Set in the panel's environment besides the test's own (UPANEL_POSTGRES and UPANEL_ADMIN_KEY removed).</param>
    public static async Task<PanelProcess> StartAsync(string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "upanel-panel"), ["--data-dir", directory, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("UPANEL_POSTGRES");
        start.Environment.Remove("UPANEL_ADMIN_KEY");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

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

            if (line.Contains("Now listening on: ", StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[line.IndexOf("http", StringComparison.Ordinal)..].Trim()));
            }
        };
        panel._process.OutputDataReceived += read;
        panel._process.ErrorDataReceived += read;
        panel._process.Start();
        panel._process.BeginOutputReadLine();
        panel._process.BeginErrorReadLine();
        try
        {
            panel.BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            await panel.DisposeAsync();
            Assert.Fail($"the panel did not start:\n{panel.Output}");
        }

        return panel;
    }

    /// <summary>Registers a server through the admin API (the key the panel wrote) and an install token.</summary>
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

    /// <summary>Sends the process a signal by name (KILL, TERM).</summary>
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
