namespace UPanel.Panel.Storage;

/// <summary>
/// Agent tokens' credentials by token hash, kept where one panel owns the database (SQLite), so a heartbeat's
/// authentication reads nothing: that read was one of a heartbeat's few read transactions, each re-reading its pages
/// after the writer's commits (docs/decisions/ingest-throughput.md, fifth pass). Every change to a server's tokens or
/// settings is made by this panel's store, which forgets the whole cache once the change is committed (rare: a
/// registration, rotation, revocation, settings change, a token's first use after a rotation, or retention forgetting
/// an expired previous token). A lookup that read the database while such a change committed does not keep what it read
/// (<see cref="Generation"/>). Only found tokens are kept; a miss reads the database again.
/// </summary>
internal sealed class CredentialsCache
{
    /// <summary>Tokens kept at most (about 300 bytes each); the cache is emptied when full.</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServerCredentials> _byHash = new(StringComparer.Ordinal);
    private long _generation;

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
            return _byHash.GetValueOrDefault(tokenHash);
        }
    }

    /// <summary>Keeps what a lookup read, unless the cache was forgotten since <paramref name="generation"/>.</summary>
    public void Keep(string tokenHash, ServerCredentials credentials, long generation)
    {
        lock (_lock)
        {
            if (generation != _generation)
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
    public void Forget()
    {
        lock (_lock)
        {
            _generation++;
            _byHash.Clear();
        }
    }
}
