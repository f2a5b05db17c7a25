using UPanel.Agent.Collection.Docker.Api;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// A container's short id and name as the heartbeat shows them, made once per list entry: while the event stream is
/// quiet the same list is reported every heartbeat, and making both strings anew for every container was a part of
/// what a heartbeat allocated. Not thread-safe (collections are serialised).
/// </summary>
internal sealed class ContainerNames
{
    private readonly Dictionary<string, (DockerContainerSummary Entry, string ShortId, string Name)> _byId = new(StringComparer.Ordinal);

    /// <summary>How many containers are known (for tests).</summary>
    internal int Count => _byId.Count;

    /// <summary>The short id and name of <paramref name="container"/>, made again when its list entry is a new one.</summary>
    public (string ShortId, string Name) Get(DockerContainerSummary container)
    {
        if (!_byId.TryGetValue(container.Id, out var known) || !ReferenceEquals(known.Entry, container))
        {
            known = (container, DockerContainerSource.ShortId(container.Id), DockerContainerSource.NameOf(container));
            _byId[container.Id] = known;
        }

        return (known.ShortId, known.Name);
    }

    /// <summary>Forgets every container not in <paramref name="present"/>.</summary>
    public void KeepOnly(HashSet<string> present)
    {
        if (_byId.Count <= present.Count)
        {
            // Each present container was just looked up, so every kept one is present.
            return;
        }

        // Removing while enumerating is allowed (it does not invalidate a Dictionary's enumerator).
        foreach (var id in _byId.Keys)
        {
            if (!present.Contains(id))
            {
                _byId.Remove(id);
            }
        }
    }
}
