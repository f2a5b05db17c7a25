using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>The agent credentials SQLite's panel keeps by token hash (docs/decisions/ingest-throughput.md, fifth pass).</summary>
public sealed class CredentialsCacheTests
{
    private static readonly ServerCredentials Server = new("01SERVER", "hash-a", null, null, null, 60, null, null);

    [Fact]
    public void What_a_lookup_read_is_kept_until_a_change_forgets_it()
    {
        var cache = new CredentialsCache();
        Assert.Null(cache.Find("hash-a"));

        cache.Keep("hash-a", Server, cache.Generation);
        Assert.Same(Server, cache.Find("hash-a"));
        Assert.Null(cache.Find("hash-b"));

        cache.Forget();
        Assert.Null(cache.Find("hash-a"));
    }

    [Fact]
    public void A_lookup_that_read_before_a_change_committed_keeps_nothing()
    {
        var cache = new CredentialsCache();
        var generation = cache.Generation;
        // The lookup reads the old row; a revocation commits and forgets; the lookup's result arrives afterwards.
        cache.Forget();
        cache.Keep("hash-a", Server, generation);

        Assert.Null(cache.Find("hash-a"));
        cache.Keep("hash-a", Server, cache.Generation);
        Assert.Same(Server, cache.Find("hash-a"));
    }

    [Fact]
    public void Where_changes_are_told_only_while_listening_nothing_is_used_or_kept_meanwhile_and_resuming_forgets_all()
    {
        // PostgreSQL's cache starts unused, until its listener listens (docs/decisions/ingest-throughput.md, fourteenth pass).
        var cache = new CredentialsCache(inUse: false);
        cache.Keep("hash-a", Server, cache.Generation);
        Assert.Null(cache.Find("hash-a"));

        cache.Resume();
        var readBeforeFailure = cache.Generation;
        cache.Keep("hash-a", Server, cache.Generation);
        Assert.Same(Server, cache.Find("hash-a"));

        // The listener's connection fails: what was kept is not used, and a lookup reading meanwhile keeps nothing.
        cache.Suspend();
        Assert.Null(cache.Find("hash-a"));
        cache.Keep("hash-b", Server, cache.Generation);
        Assert.Null(cache.Find("hash-b"));

        // Listening again: changes made while deaf were not told, so nothing from before is used, nor a read begun before.
        var readWhileDeaf = cache.Generation;
        cache.Resume();
        Assert.Null(cache.Find("hash-a"));
        cache.Keep("hash-a", Server, readBeforeFailure);
        cache.Keep("hash-b", Server, readWhileDeaf);
        Assert.Equal((null, null), (cache.Find("hash-a"), cache.Find("hash-b")));
        // A change told while listening forgets what was kept, and the cache stays in use.
        cache.Forget();
        cache.Keep("hash-c", Server, cache.Generation);
        Assert.Same(Server, cache.Find("hash-c"));
    }

    [Fact]
    public void A_full_cache_is_emptied_before_it_keeps_another()
    {
        var cache = new CredentialsCache();
        for (var i = 0; i < CredentialsCache.MaxEntries; i++)
        {
            cache.Keep("hash-" + i, Server, cache.Generation);
        }

        Assert.Same(Server, cache.Find("hash-0"));
        cache.Keep("one-more", Server, cache.Generation);

        Assert.Null(cache.Find("hash-0"));
        Assert.Null(cache.Find("hash-" + (CredentialsCache.MaxEntries - 1)));
        Assert.Same(Server, cache.Find("one-more"));
    }
}
