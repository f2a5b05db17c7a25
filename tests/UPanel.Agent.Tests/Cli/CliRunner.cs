using UPanel.Agent.Cli;
using UPanel.Agent.Collection;
using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Cli;

/// <summary>Runs the command line in-process with captured output and an environment of the test's choosing.</summary>
internal sealed class CliRunner
{
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public IConfigFileSystem Files { get; init; } = ConfigFileSystem.Instance;

    public Func<IHostFiles, RegisterRequest> ReadHostFacts { get; init; } = _ => SampleFacts;

    /// <summary>The commands' clock, as the rest of the agent's tests take it (a FakeTimeProvider where time matters).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static RegisterRequest SampleFacts { get; } = new()
    {
        Hostname = "test-host",
        OsVersion = "Debian GNU/Linux 13 (trixie)",
        CpuCores = 4,
        RamMb = 8192,
        DiskGb = 100,
        AgentVersion = AgentInfo.Version,
        MachineId = "0123456789abcdef0123456789abcdef",
    };

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(TestContext.Current.CancellationToken, args);

    public async Task<CliResult> RunAsync(CancellationToken stopping, params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var env = new CliEnvironment
        {
            Out = output,
            Err = errors,
            Variables = Environment,
            Files = Files,
            ReadHostFacts = ReadHostFacts,
            Time = Time,
            Stopping = stopping,
        };
        var exitCode = await AgentCli.RunAsync(args, env);
        return new CliResult(exitCode, output.ToString(), errors.ToString());
    }
}
