using UPanel.Agent.Configuration;
using UPanel.Agent.Health;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>health</c>: the HEALTHCHECK of a shell-less image. GET /health on HEALTH_LISTEN's port (0.0.0.0 and [::] are asked
/// on loopback); exit 0 when it answers ok, 1 otherwise (Docker reads only 0 and 1). Prints nothing unless --verbose.
/// </summary>
internal sealed class HealthCommand(CliEnvironment env, AgentOptions options, bool verbose)
{
    public async Task<int> RunAsync()
    {
        if (options.HealthListenAddress is not { } address)
        {
            if (verbose)
            {
                env.Err.WriteLine("unhealthy: HEALTH_LISTEN is off, so there is no /health to probe: set HEALTH_LISTEN or drop the HEALTHCHECK");
            }

            return ExitCodes.Failure;
        }

        var answer = await HealthProbe.ReadAsync(address, time: env.Time, cancellationToken: env.Stopping);
        var healthy = answer is { Status: "ok" };
        if (verbose)
        {
            env.Out.WriteLine(healthy
                ? $"healthy: {HealthListen.DescribeProbe(address)} answered ok; {Reporting(answer!)}"
                : $"unhealthy: no ok answer from {HealthListen.DescribeProbe(address)} within {HealthProbe.DefaultTimeout.TotalSeconds:0} s: is `upanel-agent run` up with HEALTH_LISTEN={options.HealthListen}?");
        }

        return healthy ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>Whether the panel takes its heartbeats: what an installer waits for after the start.</summary>
    private static string Reporting(HealthResponse answer) =>
        answer.LastHeartbeatAt is { } at
            ? $"last heartbeat accepted at {at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (panel: {answer.Panel ?? "ok"})"
            : $"no heartbeat accepted yet (panel: {answer.Panel ?? "unknown"})";
}
