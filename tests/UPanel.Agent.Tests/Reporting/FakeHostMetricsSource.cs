using UPanel.Agent.Collection;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>Fixed host numbers: the reporter tests are about scheduling and delivery, not about /proc.</summary>
internal sealed class FakeHostMetricsSource : IHostMetricsSource
{
    public int Calls { get; private set; }

    public HostMetrics Metrics { get; set; } = new()
    {
        CpuPercent = 23.5,
        RamUsedMb = 1024,
        RamTotalMb = 4096,
        DiskUsedGb = 45,
        DiskTotalGb = 100,
        LoadAverage = [0.5, 0.4, 0.3],
        NetworkInBytes = 123456789,
        NetworkOutBytes = 987654321,
    };

    /// <summary>Breaks the contract (never throws) on purpose, to show the loop survives a broken collector.</summary>
    public bool Throw { get; set; }

    public HostMetrics Collect()
    {
        Calls++;
        return Throw ? throw new InvalidOperationException("collector bug") : Metrics;
    }
}
