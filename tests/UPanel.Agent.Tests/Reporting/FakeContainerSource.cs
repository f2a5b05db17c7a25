using UPanel.Agent.Collection;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>Containers on demand, including "Docker cannot be asked" (null).</summary>
internal sealed class FakeContainerSource : IContainerSource
{
    public IReadOnlyList<ContainerInfo>? Containers { get; set; } =
    [
        new ContainerInfo { Id = "abc123def456", Name = "myapp_web_1", Image = "myapp:latest", Status = "running", Health = "healthy", UptimeSeconds = 86400, CpuPercent = 5.2, MemoryMb = 256 },
    ];

    public Task<IReadOnlyList<ContainerInfo>?> CollectAsync(CancellationToken cancellationToken) => Task.FromResult(Containers);
}
