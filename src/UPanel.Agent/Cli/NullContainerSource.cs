using UPanel.Agent.Collection;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>"Docker could not be asked": heartbeats carry <c>containers: null</c>. Used until a container source is wired.</summary>
internal sealed class NullContainerSource : IContainerSource
{
    public static readonly NullContainerSource Instance = new();

    public Task<IReadOnlyList<ContainerInfo>?> CollectAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>?>(null);
}
