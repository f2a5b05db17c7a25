using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>A lock from <see cref="SqlDialect.LockAsync"/>: the transaction that holds it, ended (and the lock with it) on dispose.</summary>
internal sealed class HeldLock(DbConnection? connection, DbTransaction? transaction) : IAsyncDisposable
{
    /// <summary>Nothing to release (SQLite: one panel, nothing to exclude).</summary>
    public static readonly HeldLock None = new(null, null);

    public async ValueTask DisposeAsync()
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync();
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
