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
    private readonly Lock _tokenGate = new();
    private string _configuredToken = config.Options.AgentToken!;

    /// <summary>The newest token the panel rotated to (kept in memory too, for when STATE_DIR cannot take it).</summary>
    private string? _rotatedToken;

    public async Task<int> RunAsync()
    {
        var options = config.Options;
        using var loggers = new ConsoleLoggerFactory(options.LogLevel, env.Err, env.Time);
        var logger = loggers.CreateLogger("UPanel.Agent.Cli.RunCommand");
        Log.Starting(logger, AgentInfo.Version, options.ToString());

        var tokens = new RotatedTokenStore(options.StateDir);
        options.AgentToken = tokens.Resolve(_configuredToken);
        _rotatedToken = options.AgentToken != _configuredToken ? options.AgentToken : null;

        var status = new AgentStatus(env.Time);
        using var collectors = new Collectors(options, loggers, env.Time);
        var factory = new HeartbeatFactory(collectors.Host, collectors.Containers, options, env.Time, status);
        using var http = PanelHttp.CreateClient(env.Variables);
        var client = new PanelClient(http, options.PanelUrl!, env.Time, loggers.CreateLogger("UPanel.Agent.Reporting.PanelClient"));
        var reporter = new Reporter(
            factory, client, new HeartbeatQueue(), status, options, env.Time, loggers.CreateLogger("UPanel.Agent.Reporting.Reporter"),
            refused => ReloadToken(tokens, logger, refused));
        reporter.TokenRotated += rotated =>
        {
            lock (_tokenGate)
            {
                _rotatedToken = rotated;
                try
                {
                    tokens.Save(_configuredToken, rotated);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Messages of these name paths only, never file content.
                    Log.RotatedTokenNotSaved(logger, tokens.FilePath, e.Message, options.StateDir);
                }
            }
        };

        await using var health = StartHealthServer(options, status, loggers);
        if (health is { Started: false })
        {
            return ExitCodes.Failure;
        }

        // Container events (a crash, a health change) ask for a heartbeat at once instead of at the next interval.
        var watcher = new DockerEventWatcher(collectors.Containers, reporter.RequestHeartbeat, loggers.CreateLogger("UPanel.Agent.Collection.Docker.Events"), env.Time);
        var watching = watcher.RunAsync(env.Stopping);
        await reporter.RunAsync(env.Stopping);
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

    /// <summary>
    /// After a 401/403, the token to try next. The env file or AGENT_TOKEN_FILE may hold a new one (re-registration,
    /// rotated secret): that wins. Otherwise, after a rotation, the rotated and the configured token take turns: a
    /// refusal of the rotated one may be a hiccup (keep it: it is the newest there is), or the panel rotated again
    /// before the agent used the first new token, and then only the configured one still works (and brings the
    /// newest). Never giving up either keeps the agent from locking itself out; it costs one refused try an interval.
    /// </summary>
    private string? ReloadToken(RotatedTokenStore tokens, ILogger logger, string refused)
    {
        var fresh = reload();
        if (fresh.Options.AgentToken is not { } configured)
        {
            return null;
        }

        lock (_tokenGate)
        {
            if (configured != _configuredToken)
            {
                Log.ConfiguredTokenChanged(logger);
                _configuredToken = configured;
                var resolved = tokens.Resolve(configured);
                _rotatedToken = resolved != configured ? resolved : null;
                return resolved;
            }

            if (_rotatedToken is null)
            {
                return null;
            }

            return refused == _rotatedToken ? _configuredToken : _rotatedToken;
        }
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
