using UPanel.Agent.Collection;
using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// Builds one heartbeat: host metrics, containers (null when Docker cannot be asked), identity and ordering.
/// </summary>
/// <remarks>
/// <c>heartbeat_id</c> is a ULID of the sample time (<see cref="HeartbeatId"/>).
/// <c>seq</c> = max(previous + 1, Unix milliseconds of the sample time), where the first previous is the highest seq in
/// the durable queue (<see cref="HeartbeatQueue.LastSeq"/>): it increases across restarts whatever the clock does, and
/// without a queue on disk as long as the wall clock does not step back by more than the agent's downtime.
/// </remarks>
internal sealed class HeartbeatFactory
{
    private readonly IHostMetricsSource _host;
    private readonly IContainerSource _containers;
    private readonly string _serverId;
    private readonly TimeProvider _time;
    private readonly AgentStatus? _status;
    private readonly Lock _seqGate = new();
    private long _lastSeq;

    public HeartbeatFactory(
        IHostMetricsSource host,
        IContainerSource containers,
        AgentOptions options,
        TimeProvider time,
        AgentStatus? status = null,
        long previousSeq = 0)
    {
        _host = host;
        _containers = containers;
        _serverId = options.ServerId ?? string.Empty;
        _time = time;
        _status = status;
        _lastSeq = previousSeq;
    }

    /// <summary>Takes a sample now. Never throws except on cancellation (the sources do not throw).</summary>
    public async Task<Heartbeat> CreateAsync(CancellationToken cancellationToken)
    {
        var sampledAt = _time.GetUtcNow();
        var metrics = _host.Collect();
        var containers = await _containers.CollectAsync(cancellationToken).ConfigureAwait(false);
        _status?.SetDockerAvailable(containers is not null);

        return new Heartbeat
        {
            ServerId = _serverId,
            Timestamp = sampledAt,
            Metrics = Finite(metrics),
            Containers = Finite(containers),
            AgentVersion = AgentInfo.Version,
            HeartbeatId = HeartbeatId.New(sampledAt),
            Seq = NextSeq(sampledAt),
            DroppedHeartbeats = _status?.DroppedCount,
            ClockSkewSeconds = _status?.ClockSkewSeconds,
        };
    }

    /// <summary>
    /// JSON has no NaN or infinity (the writer throws, which would stop the loop): a collector that ever produced one
    /// degrades that field (left out, or 0 for a container's required cpu_percent), never the heartbeat.
    /// </summary>
    private static HostMetrics Finite(HostMetrics metrics)
    {
        var cpuFinite = metrics.CpuPercent is not { } cpu || double.IsFinite(cpu);
        var loadFinite = metrics.LoadAverage?.All(double.IsFinite) ?? true;
        return cpuFinite && loadFinite
            ? metrics
            : metrics with { CpuPercent = cpuFinite ? metrics.CpuPercent : null, LoadAverage = loadFinite ? metrics.LoadAverage : null };
    }

    private static IReadOnlyList<ContainerInfo>? Finite(IReadOnlyList<ContainerInfo>? containers) =>
        containers is null || containers.All(container => double.IsFinite(container.CpuPercent))
            ? containers
            : [.. containers.Select(container => double.IsFinite(container.CpuPercent) ? container : container with { CpuPercent = 0 })];

    private long NextSeq(DateTimeOffset sampledAt)
    {
        lock (_seqGate)
        {
            _lastSeq = Math.Max(_lastSeq + 1, sampledAt.ToUnixTimeMilliseconds());
            return _lastSeq;
        }
    }
}
