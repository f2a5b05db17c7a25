using System.Diagnostics;
using System.Text;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>The agent binary as a child process with a clean environment and its output captured.</summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private AgentProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

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

    public int Id => _process.Id;

    /// <param name="wrapper">A command to run the agent under (e.g. strace and its options), or none.</param>
    public static async Task<AgentProcess> StartAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? wrapper = null)
    {
        var agent = await AgentBinary.PathAsync();
        var start = new ProcessStartInfo(
            wrapper is { Count: > 0 } ? wrapper[0] : agent,
            wrapper is { Count: > 0 } ? [.. wrapper.Skip(1), agent, .. args] : args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Only what the test gives: a developer's own PANEL_URL or AGENT_TOKEN must not leak in.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new AgentProcess(Process.Start(start)!);
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? wrapper = null)
    {
        using var agent = await StartAsync(args, environment, wrapper);
        var exitCode = await agent.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, agent.Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>What `docker stop` and systemd send.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>kill -9: no chance to finish a write or say goodbye.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(15));
    }

    public void Dispose()
    {
        // Idempotent: a fixture that keeps every agent it started disposes the ones a test already did.
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
