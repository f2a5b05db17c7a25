using UPanel.Contracts;

namespace UPanel.Agent.Collection;

/// <summary>Host numbers for one heartbeat. Never blocks to sample; never throws (a broken file leaves its fields null).</summary>
internal interface IHostMetricsSource
{
    HostMetrics Collect();
}
