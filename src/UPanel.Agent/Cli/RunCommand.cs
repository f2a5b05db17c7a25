using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;
using UPanel.Agent.Health;
using UPanel.Agent.Logging;
using UPanel.Agent.Reporting;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>run</c>: the agent. Heartbeat loop, /health, the container source and its event watcher until SIGTERM/SIGINT, then exit 0.
/// Config was validated before; what can still fail here is binding HEALTH_LISTEN.
/// </summary>
internal sealed class RunCommand(CliEnvironment env, ConfigLoadResult config, Func<ConfigLoadResult> reload)
{
    public async Task<int> RunAsync()
    {
        var options = config.Options;
        using var loggers = new ConsoleLoggerFactory(options.LogLevel, env.Err, env.Time);
        var logger = loggers.CreateLogger("UPanel.Agent.Cli.RunCommand");
        Log.Starting(logger, AgentInfo.Version, options.ToString());
        foreach (var warning in config.Warnings)
        {
            Log.ConfigWarning(logger, warning);
        }

        var token = new AgentToken(options.AgentToken!, options.StateDir, () => reload().Options.AgentToken, loggers.CreateLogger("UPanel.Agent.Reporting.AgentToken"));

        var status = new AgentStatus(env.Time);
        using var queue = new HeartbeatQueue(
            options.QueueDirectory,
            options.QueueMaxHeartbeats ?? AgentOptions.DefaultQueueMaxHeartbeats(TimeSpan.FromSeconds(options.HeartbeatIntervalSeconds)),
            options.QueueMaxBytes,
            loggers.CreateLogger("UPanel.Agent.Reporting.HeartbeatQueue"));
        using var collectors = new Collectors(options, loggers, env.Time);
        var factory = new HeartbeatFactory(collectors.Host, collectors.Containers, options, env.Time, status, queue.LastSeq);
        using var http = PanelHttp.CreateClient(env.Variables);
        var client = new PanelClient(http, options.PanelUrl!, env.Time, loggers.CreateLogger("UPanel.Agent.Reporting.PanelClient"));
        var reporter = new Reporter(
            factory, client, queue, status, options, token, env.Time, loggers.CreateLogger("UPanel.Agent.Reporting.Reporter"));

        await using var health = StartHealthServer(options, status, loggers);
        if (health is { Started: false })
        {
            return ExitCodes.Failure;
        }

        // Container events (a crash, a health change) ask for a heartbeat at once instead of at the next interval.
        var watcher = new DockerEventWatcher(collectors.Containers, reporter.RequestHeartbeat, loggers.CreateLogger("UPanel.Agent.Collection.Docker.Events"), env.Time);
        var watching = watcher.RunAsync(env.Stopping);
        await reporter.RunOnOwnThread(env.Stopping);
        Log.Stopping(logger);
        try
        {
            await watching;
        }
        catch (OperationCanceledException)
        {
        }

        return ExitCodes.Ok;
    }

    private HealthHandle? StartHealthServer(AgentOptions options, AgentStatus status, ILoggerFactory loggers)
    {
        if (options.HealthListenAddress is not { } address)
        {
            return null;
        }

        HealthServer? server = null;
        try
        {
            server = new HealthServer(HealthListen.ToEndPoint(address), status, loggers.CreateLogger("UPanel.Agent.Health.HealthServer"));
            server.Start();
            return new HealthHandle(server, Started: true);
        }
        catch (SocketException e)
        {
            env.Err.WriteLine(
                $"upanel-agent: HEALTH_LISTEN={options.HealthListen} cannot be bound ({e.SocketErrorCode}): " +
                "stop what uses that address, or set HEALTH_LISTEN to a free host:port or off");
            return new HealthHandle(server, Started: false);
        }
    }

    /// <summary>The health server and whether it is listening; disposing stops it.</summary>
    private sealed record HealthHandle(HealthServer? Server, bool Started) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Server?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
