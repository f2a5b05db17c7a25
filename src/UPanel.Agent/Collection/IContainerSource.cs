using UPanel.Contracts;

namespace UPanel.Agent.Collection;

/// <summary>Containers for one heartbeat.</summary>
internal interface IContainerSource
{
    /// <summary>
    /// Every container, running or not; <c>null</c> when the engine cannot be asked (socket missing, refused,
    /// hung, erroring). Bounded in time (≤ 5 s); never throws except on cancellation.
    /// </summary>
    Task<IReadOnlyList<ContainerInfo>?> CollectAsync(CancellationToken cancellationToken);
}
