namespace UPanel.Panel.Storage;

/// <summary>
/// Agent tokens' credentials by token hash, so a heartbeat's authentication reads nothing: on SQLite that read was one of
/// a heartbeat's few read transactions, each re-reading its pages after the writer's commits (docs/decisions/
/// ingest-throughput.md, fifth pass); on PostgreSQL a round trip per heartbeat (fourteenth pass). Every change to a
/// server's tokens or settings made by this panel's store forgets the whole cache once the change is committed (rare: a
/// registration, rotation, revocation, settings change, a token's first use after a rotation, or retention forgetting
/// an expired previous token). Where one panel owns the database (SQLite) that is every change, and the cache is always
/// in use; where several share it (PostgreSQL), a change by another panel or any other writer is told by a notification
/// (<see cref="CredentialsListener"/>), and the cache is in use only while that listener listens (<see cref="Resume"/>,
/// <see cref="Suspend"/>). A lookup that read the database while such a change committed does not keep what it read
/// (<see cref="Generation"/>). Only found tokens are kept; a miss reads the database again.
/// </summary>
internal sealed class CredentialsCache(bool inUse = true)
{
    /// <summary>Tokens kept at most (about 300 bytes each); the cache is emptied when full.</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServerCredentials> _byHash = new(StringComparer.Ordinal);
    private long _generation;
    private bool _inUse = inUse;

    /// <summary>Taken before a lookup reads the database, handed to <see cref="Keep"/> after it.</summary>
    public long Generation
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    public ServerCredentials? Find(string tokenHash)
    {
        lock (_lock)
        {
            return _inUse ? _byHash.GetValueOrDefault(tokenHash) : null;
        }
    }

    /// <summary>Keeps what a lookup read, unless the cache was forgotten since <paramref name="generation"/>.</summary>
    public void Keep(string tokenHash, ServerCredentials credentials, long generation)
    {
        lock (_lock)
        {
            if (!_inUse || generation != _generation)
            {
                return;
            }

            if (_byHash.Count >= MaxEntries)
            {
                _byHash.Clear();
            }

            _byHash[tokenHash] = credentials;
        }
    }

    /// <summary>A server's tokens or settings changed (committed): nothing kept is used again.</summary>
    public void Forget() => Set(inUse: null);

    /// <summary>Changes may go untold from now on (the listener's connection is gone): forget all, use nothing until <see cref="Resume"/>.</summary>
    public void Suspend() => Set(inUse: false);

    /// <summary>
    /// Every change is told from now on (the listener listens again): forget all (changes made meanwhile were not told),
    /// then keep and use again.
    /// </summary>
    public void Resume() => Set(inUse: true);

    private void Set(bool? inUse)
    {
        lock (_lock)
        {
            _inUse = inUse ?? _inUse;
            _generation++;
            _byHash.Clear();
        }
    }
}
