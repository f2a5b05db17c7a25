using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// Heartbeats waiting for the panel, oldest first, bounded. Used by the reporter loop only (one thread at a time).
/// The in-memory <see cref="HeartbeatQueue"/> is the first implementation; a durable one replaces it later.
/// </summary>
internal interface IHeartbeatQueue
{
    int Count { get; }

    /// <summary>Heartbeats dropped since start because the queue was full.</summary>
    long DroppedCount { get; }

    /// <summary>Adds at the tail; when full, drops the oldest and returns it.</summary>
    Heartbeat? Enqueue(Heartbeat heartbeat);

    bool TryPeek([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Heartbeat? heartbeat);

    /// <summary>Removes the oldest (after it was delivered or rejected).</summary>
    void RemoveOldest();
}
