using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using UPanel.Contracts;

namespace UPanel.Panel.Storage;

/// <summary>
/// Stores a batch of heartbeats in one transaction (the writer behind <see cref="GroupCommit{TItem, TResult}"/>): each
/// is charged to its server's limits, stored once by heartbeat_id and made the latest state when it is newer, in the
/// order given, with the same statements reused row after row. Nothing of the batch is stored unless all of it is.
/// On SQLite on a connection of its own, kept with its statements compiled from one batch to the next (its page cache
/// stays valid across its own commits: docs/decisions/ingest-throughput.md, thirteenth pass); one batch at a time, under
/// the write turn. On PostgreSQL the batch goes to <see cref="PipelinedHeartbeatWriter"/>: the same outcomes in one round trip.
/// </summary>
internal sealed class HeartbeatWriter(SqlDialect dialect, DiskWindows? diskWindows = null) : IAsyncDisposable
{
    /// <summary>
    /// Heartbeats per transaction at most: enough that a commit's cost is shared by many, few enough that one batch
    /// holds SQLite's write lock for milliseconds, not seconds.
    /// </summary>
    public const int MaxBatch = 256;

    // Used only under the write turn.
    private Statements? _statements;
    private bool _disposed;

    /// <summary>The SQLite connection the writer keeps (null before its first batch, after a failed one, and on PostgreSQL): for tests.</summary>
    internal SqliteConnection? Connection => _statements?.Connection;

    public async Task<IReadOnlyList<IngestResult>> WriteAsync(IReadOnlyList<HeartbeatIngest> batch)
    {
        if (dialect.PipelinesStatements)
        {
            return await new PipelinedHeartbeatWriter(dialect).WriteAsync(batch);
        }

        // Never the request's token: the batch holds other requests' heartbeats.
        var cancellationToken = CancellationToken.None;
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var results = new IngestResult[batch.Count];
        try
        {
            var statements = _statements ??= await Statements.OpenAsync((SqliteDialect)dialect, cancellationToken);
            try
            {
                statements.Begin.Execute();
                for (var i = 0; i < batch.Count; i++)
                {
                    results[i] = await WriteOneAsync(statements, batch[i], cancellationToken);
                }

                statements.Commit.Execute();
            }
            catch
            {
                statements.RollBack();
                throw;
            }
        }
        catch
        {
            // Whatever state the connection was left in, the next batch starts on a new one (closing it rolls back
            // what the ROLLBACK could not).
            await DropConnectionAsync();
            throw;
        }

        if (diskWindows is not null)
        {
            // Committed, and the write turn still held: a window read from the database meanwhile is either before this
            // batch (and gets its heartbeats here) or after it (and has them already).
            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].Outcome is IngestOutcome.StoredAsLatest or IngestOutcome.StoredAsHistory)
                {
                    diskWindows.Stored(batch[i].ServerId, batch[i].SampleAt.ToUnixTimeMilliseconds(), batch[i].Metrics.DiskUsedGb, batch[i].Metrics.DiskTotalGb);
                }
            }
        }

        return results;
    }

    private async ValueTask DropConnectionAsync()
    {
        if (_statements is { } statements)
        {
            _statements = null;
            await statements.DisposeAsync();
        }
    }

    /// <summary>Closes the writer's connection once a batch under way ended; a batch after this throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (dialect.PipelinesStatements)
        {
            return;
        }

        using var turn = await dialect.WriteTurnAsync(CancellationToken.None);
        _disposed = true;
        await DropConnectionAsync();
    }

    private static async Task<IngestResult> WriteOneAsync(Statements statements, HeartbeatIngest heartbeat, CancellationToken cancellationToken)
    {
        var (requestCost, requestLimit, byteCost, byteLimit) = heartbeat.Quota.Costs(heartbeat.Bytes);
        var charge = statements.Charge;
        charge.Bind("id", heartbeat.ServerId);
        charge.Bind("now", heartbeat.ReceivedAt);
        charge.Bind("request_cost", requestCost);
        charge.Bind("request_limit", requestLimit);
        charge.Bind("byte_cost", byteCost);
        charge.Bind("byte_limit", byteLimit);
        if (charge.Execute() != 1)
        {
            return await RefusedAsync(statements, heartbeat, requestCost, requestLimit, byteCost, byteLimit, cancellationToken);
        }

        // The charge updated the server's row, so it exists until the transaction ends (the write lock on SQLite, the
        // row lock on PostgreSQL): the statements below cannot meet a deleted server.
        if (heartbeat.PromoteTokenHash is { } promoted)
        {
            await using var promote = statements.Command("""
                UPDATE servers SET token_hash_prev = NULL, prev_expires_at = NULL, pending_token_sealed = NULL
                WHERE id = @id AND token_hash = @hash
                """);
            Db.Add(promote, "id", heartbeat.ServerId);
            Db.Add(promote, "hash", promoted);
            await promote.ExecuteNonQueryAsync(cancellationToken);
        }

        var insert = statements.Insert;
        insert.Bind("server", heartbeat.ServerId);
        insert.Bind("heartbeat_id", heartbeat.HeartbeatId);
        insert.Bind("seq", heartbeat.Seq);
        insert.Bind("sample", heartbeat.SampleAt);
        insert.Bind("received", heartbeat.ReceivedAt);
        // The column predates heartbeats without a version: '' stands for "not sent" (an empty one is refused).
        insert.Bind("version", heartbeat.AgentVersion ?? string.Empty);
        BindFigures(insert, heartbeat.Metrics);
        insert.Bind("container_count", heartbeat.ContainerCount);
        insert.Bind("from_receipt", heartbeat.TimestampFromReceipt);
        // A duplicate earlier in the same batch counts: the unique index sees the transaction's own rows.
        var inserted = insert.Execute() == 1;
        if (inserted && heartbeat.Containers is not null)
        {
            statements.StoreContainersIfChanged(heartbeat);
        }

        if (inserted)
        {
            var latest = statements.Latest;
            latest.Bind("id", heartbeat.ServerId);
            latest.Bind("sample", heartbeat.SampleAt);
            latest.Bind("seq", heartbeat.Seq);
            latest.Bind("version", heartbeat.AgentVersion);
            latest.Bind("container_count", heartbeat.ContainerCount);
            BindFigures(latest, heartbeat.Metrics);
            latest.Bind("unhealthy", heartbeat.ContainerCounts.Unhealthy);
            latest.Bind("exited", heartbeat.ContainerCounts.Exited);
            latest.Bind("restarting", heartbeat.ContainerCounts.Restarting);
            latest.BindBlob("json", heartbeat.HeartbeatJson);
            latest.Bind("received", heartbeat.ReceivedAt);
            if (latest.Execute() == 1)
            {
                return new IngestResult(IngestOutcome.StoredAsLatest);
            }
        }

        var seen = statements.Seen;
        seen.Bind("id", heartbeat.ServerId);
        seen.Bind("received", heartbeat.ReceivedAt);
        seen.Execute();
        return new IngestResult(inserted ? IngestOutcome.StoredAsHistory : IngestOutcome.Duplicate);
    }

    /// <summary>The figures a heartbeat row and the server's latest state both hold, under the same parameter names.</summary>
    private static void BindFigures(SqliteRawStatement statement, HostMetrics metrics)
    {
        statement.Bind("cpu", metrics.CpuPercent);
        statement.Bind("ram_used", metrics.RamUsedMb);
        statement.Bind("ram_total", metrics.RamTotalMb);
        statement.Bind("disk_used", metrics.DiskUsedGb);
        statement.Bind("disk_total", metrics.DiskTotalGb);
        statement.Bind("load1", metrics.LoadAverage?[0]);
        statement.Bind("load5", metrics.LoadAverage?[1]);
        statement.Bind("load15", metrics.LoadAverage?[2]);
        statement.Bind("net_in", metrics.NetworkInBytes);
        statement.Bind("net_out", metrics.NetworkOutBytes);
    }

    private static async Task<IngestResult> RefusedAsync(
        Statements statements, HeartbeatIngest heartbeat, long requestCost, long requestLimit, long byteCost, long byteLimit, CancellationToken cancellationToken)
    {
        await using var read = statements.Command("SELECT rate_tat, quota_tat FROM servers WHERE id = @id");
        Db.Add(read, "id", heartbeat.ServerId);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new IngestResult(IngestOutcome.UnknownServer);
        }

        var nowMs = heartbeat.ReceivedAt.ToUnixTimeMilliseconds();
        var row = new Row(reader);
        var requestWait = Math.Max(row.RequiredInt64("rate_tat"), nowMs) + requestCost - nowMs - requestLimit;
        var byteWait = Math.Max(row.RequiredInt64("quota_tat"), nowMs) + byteCost - nowMs - byteLimit;
        return new IngestResult(IngestOutcome.RateLimited, TimeSpan.FromMilliseconds(Math.Max(1, Math.Max(requestWait, byteWait))));
    }

    /// <summary>
    /// The writer's connection and the statements every heartbeat runs, compiled once with it and their parameters bound
    /// per row through SQLite's own calls (<see cref="SqliteRawStatement"/>, docs/decisions/ingest-throughput.md, tenth
    /// pass); disposed with the connection.
    /// </summary>
    private sealed class Statements(SqliteConnection connection) : IAsyncDisposable
    {
        public SqliteConnection Connection => connection;

        /// <summary>The writer's own connection (<see cref="SqliteDialect.OpenWriterAsync"/>) with the statements compiled on it.</summary>
        public static async ValueTask<Statements> OpenAsync(SqliteDialect dialect, CancellationToken cancellationToken)
        {
            var connection = await dialect.OpenWriterAsync(cancellationToken);
            try
            {
                return new Statements(connection);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        // The batch's transaction, begun and ended by statements compiled once: Microsoft.Data.Sqlite's BeginTransaction
        // and Commit compile "BEGIN IMMEDIATE" and "COMMIT" afresh at every batch of 1.4-4 heartbeats
        // (docs/decisions/ingest-throughput.md, sixteenth pass). IMMEDIATE: the write lock at once, as BeginTransaction takes it.
        public SqliteRawStatement Begin { get; } = new(connection, "BEGIN IMMEDIATE");

        public SqliteRawStatement Commit { get; } = new(connection, "COMMIT");

        private readonly SqliteRawStatement _rollBack = new(connection, "ROLLBACK");

        /// <summary>
        /// Ends the batch's transaction, if one is open, undoing it: SQLite may have rolled it back already (an I/O error,
        /// a full disk), and the connection is dropped after this anyway, its close rolling back what this could not.
        /// </summary>
        public void RollBack()
        {
            if (raw.sqlite3_get_autocommit(connection.Handle) != 0)
            {
                return;
            }

            try
            {
                _rollBack.Execute();
            }
            catch (SqliteException)
            {
                // The failure that brought us here is the one to report.
            }
        }

        // GCRA, both buckets in one statement: every expression reads the row as it was before the update.
        public SqliteRawStatement Charge { get; } = new(connection, """
            UPDATE servers SET
                rate_tat = (CASE WHEN rate_tat > @now THEN rate_tat ELSE @now END) + @request_cost,
                quota_tat = (CASE WHEN quota_tat > @now THEN quota_tat ELSE @now END) + @byte_cost
            WHERE id = @id
                AND (CASE WHEN rate_tat > @now THEN rate_tat ELSE @now END) + @request_cost - @now <= @request_limit
                AND (CASE WHEN quota_tat > @now THEN quota_tat ELSE @now END) + @byte_cost - @now <= @byte_limit
            """);

        public SqliteRawStatement Insert { get; } = new(connection, """
            INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent,
                ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes,
                network_out_bytes, container_count, timestamp_from_receipt)
            VALUES (@server, @heartbeat_id, @seq, @sample, @received, @version, @cpu, @ram_used, @ram_total, @disk_used,
                @disk_total, @load1, @load5, @load15, @net_in, @net_out, @container_count, @from_receipt)
            ON CONFLICT (server_id, heartbeat_id) DO NOTHING
            """);

        // Newer = later sample, seq breaking ties. The timestamp leads because a seq that restarts (state lost) must not
        // freeze the latest state forever; a late queued sample never wins. A latest stamped ahead of the panel's clock
        // is not trusted to be newer than what arrives: otherwise a sample from the future (a bad clock, or a stolen
        // token) would pin the latest state until that time. The latest_* columns hold what a list of servers shows, so
        // it reads no JSON. latest_heartbeat is bound as the body's UTF-8 bytes (a BLOB to Microsoft.Data.Sqlite) and stored
        // as the TEXT they spell: a BLOB cast to TEXT is its bytes read in the database's encoding, UTF-8 (eighth pass).
        public SqliteRawStatement Latest { get; } = new(connection, """
            UPDATE servers SET latest_sample_at = @sample, latest_seq = @seq, latest_agent_version = COALESCE(@version, latest_agent_version),
                latest_container_count = @container_count, latest_cpu_percent = @cpu, latest_ram_used_mb = @ram_used,
                latest_ram_total_mb = @ram_total, latest_disk_used_gb = @disk_used, latest_disk_total_gb = @disk_total,
                latest_load_1 = @load1, latest_load_5 = @load5, latest_load_15 = @load15, latest_network_in_bytes = @net_in,
                latest_network_out_bytes = @net_out, latest_containers_unhealthy = @unhealthy, latest_containers_exited = @exited,
                latest_containers_restarting = @restarting, latest_heartbeat = CAST(@json AS TEXT), last_seen_at = @received
            WHERE id = @id AND (latest_sample_at IS NULL OR latest_sample_at < @sample OR latest_sample_at > @received
                OR (latest_sample_at = @sample AND @seq IS NOT NULL AND (latest_seq IS NULL OR latest_seq < @seq)))
            """);

        public SqliteRawStatement Seen { get; } = new(connection, "UPDATE servers SET last_seen_at = @received WHERE id = @id");

        // The digest of the containers' state in effect at the sample's time, and the state stored when it differs (as
        // ContainerStates, which the PostgreSQL writer uses).
        private readonly SqliteRawStatement _currentContainers = new(connection, ContainerStates.CurrentSql);
        private readonly SqliteRawStatement _storeContainers = new(connection, ContainerStates.StoreSql);

        public void StoreContainersIfChanged(HeartbeatIngest heartbeat)
        {
            _currentContainers.Bind("server", heartbeat.ServerId);
            _currentContainers.Bind("sample", heartbeat.SampleAt);
            if (_currentContainers.ScalarInt64() == heartbeat.ContainersDigest)
            {
                return;
            }

            _storeContainers.Bind("server", heartbeat.ServerId);
            _storeContainers.Bind("sample", heartbeat.SampleAt);
            _storeContainers.Bind("digest", heartbeat.ContainersDigest);
            _storeContainers.BindBlob("containers", ContainerHistory.Compress(heartbeat.Containers!));
            _storeContainers.Execute();
        }

        /// <summary>
        /// A statement run only now and then (token promotion, a refused charge's wait), inside the batch's transaction:
        /// the connection's own, begun by <see cref="Begin"/>, which Microsoft.Data.Sqlite does not know of, so the command
        /// has no <see cref="DbCommand.Transaction"/> (it refuses one that is not the connection's, and the connection has none).
        /// </summary>
        public DbCommand Command(string sql)
        {
            DbCommand command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }

        public ValueTask DisposeAsync()
        {
            foreach (var statement in (SqliteRawStatement[])[Begin, Commit, _rollBack, Charge, Insert, Latest, Seen, _currentContainers, _storeContainers])
            {
                statement.Dispose();
            }

            return connection.DisposeAsync();
        }
    }
}
