using System.Data;
using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// The containers' state stored when it differs from the one in effect at the sample's time (rarely: a container started,
/// stopped, changed health), compressed only then, not for every heartbeat (docs/decisions/ingest-throughput.md). Both
/// heartbeat writers use it inside their batch's transaction, heartbeat by heartbeat in order, so a heartbeat compares with
/// what an earlier one of the same batch stored.
/// </summary>
internal sealed class ContainerStates : IAsyncDisposable
{
    /// <summary>The digest of the state in effect at <c>@sample</c> (null: none).</summary>
    internal const string CurrentSql = "SELECT digest FROM container_states WHERE server_id = @server AND at <= @sample ORDER BY at DESC LIMIT 1";

    internal const string StoreSql = """
        INSERT INTO container_states (server_id, at, digest, containers_zlib) VALUES (@server, @sample, @digest, @containers)
        ON CONFLICT (server_id, at) DO NOTHING
        """;

    private readonly DbCommand _current;
    private readonly DbCommand _store;

    public ContainerStates(DbConnection connection, DbTransaction transaction)
    {
        _current = connection.CreateCommand();
        _current.Transaction = transaction;
        _current.CommandText = CurrentSql;
        Db.Declare(_current, "server", DbType.String);
        Db.Declare(_current, "sample", DbType.Int64);
        _store = connection.CreateCommand();
        _store.Transaction = transaction;
        _store.CommandText = StoreSql;
        Db.Declare(_store, "server", DbType.String);
        Db.Declare(_store, "sample", DbType.Int64);
        Db.Declare(_store, "digest", DbType.Int64);
        Db.Declare(_store, "containers", DbType.Binary);
    }

    public async Task StoreIfChangedAsync(HeartbeatIngest heartbeat, CancellationToken cancellationToken)
    {
        Db.Set(_current, "server", heartbeat.ServerId);
        Db.Set(_current, "sample", heartbeat.SampleAt);
        if (await _current.ExecuteScalarAsync(cancellationToken) is { } digest
            && Convert.ToInt64(digest, System.Globalization.CultureInfo.InvariantCulture) == heartbeat.ContainersDigest)
        {
            return;
        }

        Db.Set(_store, "server", heartbeat.ServerId);
        Db.Set(_store, "sample", heartbeat.SampleAt);
        Db.Set(_store, "digest", heartbeat.ContainersDigest);
        Db.Set(_store, "containers", ContainerHistory.Compress(heartbeat.Containers!));
        await _store.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _current.DisposeAsync();
        await _store.DisposeAsync();
    }
}
