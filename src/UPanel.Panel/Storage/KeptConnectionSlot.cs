namespace UPanel.Panel.Storage;

/// <summary>
/// Where a <see cref="KeptConnection"/> waits between uses: taken by one caller at a time; a caller that finds it taken
/// (two users at once) opens another, and of two given back only one is kept. Disposed with the store, before the
/// dialect clears SQLite's pools.
/// </summary>
internal sealed class KeptConnectionSlot(SqlDialect dialect) : IAsyncDisposable
{
    private KeptConnection? _kept;
    private volatile bool _disposed;

    public async ValueTask<KeptConnection> TakeAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _kept, null) ?? await KeptConnection.OpenAsync(dialect, cancellationToken);

    /// <summary>Gives <paramref name="kept"/> back after a use that left it as it found it (no transaction, no reader).</summary>
    public async ValueTask ReturnAsync(KeptConnection kept)
    {
        if (_disposed || !kept.Usable || Interlocked.CompareExchange(ref _kept, kept, null) is not null)
        {
            await kept.DisposeAsync();
        }
        else if (_disposed && Interlocked.Exchange(ref _kept, null) is { } late)
        {
            // Disposed while it was being given back.
            await late.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (Interlocked.Exchange(ref _kept, null) is { } kept)
        {
            await kept.DisposeAsync();
        }
    }
}
