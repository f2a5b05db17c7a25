namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// Containers the engine sent an <c>oom</c> event for since they last started, so that their exit is reported with
/// <c>oom_killed: true</c> even when the engine's inspection says <c>OOMKilled: false</c> (its flag and its event can
/// disagree: docs/decisions/oom-killed-from-events.md). Written by the event watcher's thread, read by collections.
/// Evidence ends when the container starts again, when a list made after it no longer has the container, and when
/// the event stream closes (a start may then go unseen): the inspection alone decides then.
/// </summary>
internal sealed class OomEvidence
{
    /// <summary>More containers than one engine runs; beyond it new evidence is dropped (the inspection still decides).</summary>
    public const int MaxContainers = 4096;

    /// <summary>Full id → when the event arrived (the source's clock), so a list made before it does not forget it.</summary>
    private readonly Dictionary<string, long> _since = new(StringComparer.Ordinal);

    /// <summary>Read without the lock: while no event came, a collection costs one read.</summary>
    private volatile int _count;

    public int Count => _count;

    public void Add(string containerId, long timestamp)
    {
        lock (_since)
        {
            if (_since.Count < MaxContainers || _since.ContainsKey(containerId))
            {
                _since[containerId] = timestamp;
                _count = _since.Count;
            }
        }
    }

    public void Remove(string containerId)
    {
        if (_count == 0)
        {
            return;
        }

        lock (_since)
        {
            _since.Remove(containerId);
            _count = _since.Count;
        }
    }

    public void Clear()
    {
        if (_count == 0)
        {
            return;
        }

        lock (_since)
        {
            _since.Clear();
            _count = 0;
        }
    }

    public bool Contains(string containerId)
    {
        if (_count == 0)
        {
            return false;
        }

        lock (_since)
        {
            return _since.ContainsKey(containerId);
        }
    }

    /// <summary>Forgets the containers a list made at <paramref name="listedAt"/> no longer had (evidence that came
    /// after that list is kept: its container may be newer than the list).</summary>
    public void KeepOnly(HashSet<string> present, long listedAt)
    {
        if (_count == 0)
        {
            return;
        }

        lock (_since)
        {
            foreach (var (id, since) in _since)
            {
                if (since <= listedAt && !present.Contains(id))
                {
                    _since.Remove(id);
                }
            }

            _count = _since.Count;
        }
    }
}
