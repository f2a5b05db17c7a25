using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;
using UPanel.Agent.Logging;
using UPanel.Agent.Reporting;
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

    // Same source-generated metadata and escaping as on the wire; only the indentation differs.
    private static readonly JsonTypeInfo<Heartbeat> IndentedHeartbeat =
        (JsonTypeInfo<Heartbeat>)new JsonSerializerOptions(ContractsJsonContext.Default.Options) { WriteIndented = true }.GetTypeInfo(typeof(Heartbeat));

    public async Task<int> RunAsync()
    {
        using var loggers = new ConsoleLoggerFactory(options.LogLevel, env.Err, env.Time);
        using var collectors = new Collectors(options, loggers, env.Time);

        // collect needs no registration: an unregistered agent still shows what it would send.
        options.ServerId ??= "unregistered";
        var factory = new HeartbeatFactory(collectors.Host, collectors.Containers, options, env.Time);
        await Task.Delay(CpuSampleWindow, env.Time, env.Stopping);
        var heartbeat = await factory.CreateAsync(env.Stopping);
        env.Out.WriteLine(JsonSerializer.Serialize(heartbeat, IndentedHeartbeat));
        return ExitCodes.Ok;
    }
}
