using System.Diagnostics.CodeAnalysis;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// The seed's in-memory queue: at most <see cref="Capacity"/> heartbeats while the panel is unreachable,
/// dropping the oldest (a fresh sample is worth more than an old one). Lost on restart.
/// </summary>
internal sealed class HeartbeatQueue : IHeartbeatQueue
{
    public const int DefaultCapacity = 10;

    private readonly Queue<Heartbeat> _items;

    public HeartbeatQueue(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _items = new Queue<Heartbeat>(capacity);
    }

    public int Capacity { get; }

    public int Count => _items.Count;

    public long DroppedCount { get; private set; }

    public Heartbeat? Enqueue(Heartbeat heartbeat)
    {
        Heartbeat? dropped = null;
        if (_items.Count >= Capacity)
        {
            dropped = _items.Dequeue();
            DroppedCount++;
        }

        _items.Enqueue(heartbeat);
        return dropped;
    }

    public bool TryPeek([NotNullWhen(true)] out Heartbeat? heartbeat) => _items.TryPeek(out heartbeat);

    public void RemoveOldest() => _items.Dequeue();
}
