using System.Text;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;
using UPanel.Agent.Logging;
using UPanel.Agent.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary><c>collect</c>: builds one heartbeat exactly as <c>run</c> would and prints it as indented JSON. Sends nothing.</summary>
internal sealed class CollectCommand(CliEnvironment env, AgentOptions options)
{
    /// <summary>
    /// cpu_percent is a delta between two /proc/stat samples; a one-shot command waits this long between them so it
    /// prints current load rather than the average since boot. (The run loop never waits: its samples are a heartbeat apart.)
    /// </summary>
    public static readonly TimeSpan CpuSampleWindow = TimeSpan.FromMilliseconds(500);

    public async Task<int> RunAsync()
    {
        using var loggers = new ConsoleLoggerFactory(options.LogLevel, env.Err, env.Time);
        using var collectors = new Collectors(options, loggers, env.Time);

        // collect needs no registration: an unregistered agent still shows what it would send.
        var factory = new HeartbeatFactory(collectors.Host, collectors.Containers, options with { ServerId = options.ServerId ?? "unregistered" }, env.Time);
        await Task.Delay(CpuSampleWindow, env.Time, env.Stopping);
        var heartbeat = await factory.CreateAsync(env.Stopping);
        // The wire's JSON, only indented.
        env.Out.WriteLine(Encoding.UTF8.GetString(HeartbeatJson.ToUtf8Bytes(heartbeat, indented: true)));
        return ExitCodes.Ok;
    }
}
