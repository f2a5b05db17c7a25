using System.Data;
using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// Stores a batch of heartbeats in one transaction (the writer behind <see cref="GroupCommit{TItem, TResult}"/>): each
/// is charged to its server's limits, stored once by heartbeat_id and made the latest state when it is newer, in the
/// order given, with the same statements reused row after row. Nothing of the batch is stored unless all of it is.
/// On PostgreSQL the batch goes to <see cref="PipelinedHeartbeatWriter"/>: the same outcomes in one round trip.
/// </summary>
internal sealed class HeartbeatWriter(SqlDialect dialect, DiskWindows? diskWindows = null)
{
    /// <summary>
    /// Heartbeats per transaction at most: enough that a commit's cost is shared by many, few enough that one batch
    /// holds SQLite's write lock for milliseconds, not seconds.
    /// </summary>
    public const int MaxBatch = 256;

    public async Task<IReadOnlyList<IngestResult>> WriteAsync(IReadOnlyList<HeartbeatIngest> batch)
    {
        if (dialect.PipelinesStatements)
        {
            return await new PipelinedHeartbeatWriter(dialect).WriteAsync(batch);
        }

        // Never the request's token: the batch holds other requests' heartbeats.
        var cancellationToken = CancellationToken.None;
        await using var connection = await dialect.OpenAsync(cancellationToken);
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var statements = new Statements(connection, transaction);
        var results = new IngestResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            results[i] = await WriteOneAsync(statements, batch[i], cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
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

    private static async Task<IngestResult> WriteOneAsync(Statements statements, HeartbeatIngest heartbeat, CancellationToken cancellationToken)
    {
        var (requestCost, requestLimit, byteCost, byteLimit) = heartbeat.Quota.Costs(heartbeat.Bytes);
        var charge = statements.Charge;
        Db.Set(charge, "id", heartbeat.ServerId);
        Db.Set(charge, "now", heartbeat.ReceivedAt);
        Db.Set(charge, "request_cost", requestCost);
        Db.Set(charge, "request_limit", requestLimit);
        Db.Set(charge, "byte_cost", byteCost);
        Db.Set(charge, "byte_limit", byteLimit);
        if (await charge.ExecuteNonQueryAsync(cancellationToken) != 1)
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

        var metrics = heartbeat.Metrics;
        var insert = statements.Insert;
        Db.Set(insert, "server", heartbeat.ServerId);
        Db.Set(insert, "heartbeat_id", heartbeat.HeartbeatId);
        Db.Set(insert, "seq", heartbeat.Seq);
        Db.Set(insert, "sample", heartbeat.SampleAt);
        Db.Set(insert, "received", heartbeat.ReceivedAt);
        // The column predates heartbeats without a version: '' stands for "not sent" (an empty one is refused).
        Db.Set(insert, "version", heartbeat.AgentVersion ?? string.Empty);
        Db.Set(insert, "cpu", metrics.CpuPercent);
        Db.Set(insert, "ram_used", metrics.RamUsedMb);
        Db.Set(insert, "ram_total", metrics.RamTotalMb);
        Db.Set(insert, "disk_used", metrics.DiskUsedGb);
        Db.Set(insert, "disk_total", metrics.DiskTotalGb);
        Db.Set(insert, "load1", metrics.LoadAverage?[0]);
        Db.Set(insert, "load5", metrics.LoadAverage?[1]);
        Db.Set(insert, "load15", metrics.LoadAverage?[2]);
        Db.Set(insert, "net_in", metrics.NetworkInBytes);
        Db.Set(insert, "net_out", metrics.NetworkOutBytes);
        Db.Set(insert, "container_count", heartbeat.ContainerCount);
        Db.Set(insert, "from_receipt", heartbeat.TimestampFromReceipt);
        // A duplicate earlier in the same batch counts: the unique index sees the transaction's own rows.
        var inserted = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (inserted && heartbeat.Containers is not null)
        {
            await statements.ContainerStates.StoreIfChangedAsync(heartbeat, cancellationToken);
        }

        if (inserted)
        {
            var latest = statements.Latest;
            Db.Set(latest, "id", heartbeat.ServerId);
            Db.Set(latest, "sample", heartbeat.SampleAt);
            Db.Set(latest, "seq", heartbeat.Seq);
            Db.Set(latest, "version", heartbeat.AgentVersion);
            Db.Set(latest, "container_count", heartbeat.ContainerCount);
            Db.Set(latest, "cpu", metrics.CpuPercent);
            Db.Set(latest, "ram_used", metrics.RamUsedMb);
            Db.Set(latest, "ram_total", metrics.RamTotalMb);
            Db.Set(latest, "disk_used", metrics.DiskUsedGb);
            Db.Set(latest, "disk_total", metrics.DiskTotalGb);
            Db.Set(latest, "load1", metrics.LoadAverage?[0]);
            Db.Set(latest, "load5", metrics.LoadAverage?[1]);
            Db.Set(latest, "load15", metrics.LoadAverage?[2]);
            Db.Set(latest, "net_in", metrics.NetworkInBytes);
            Db.Set(latest, "net_out", metrics.NetworkOutBytes);
            Db.Set(latest, "unhealthy", heartbeat.ContainerCounts.Unhealthy);
            Db.Set(latest, "exited", heartbeat.ContainerCounts.Exited);
            Db.Set(latest, "restarting", heartbeat.ContainerCounts.Restarting);
            Db.Set(latest, "json", heartbeat.HeartbeatJson);
            Db.Set(latest, "received", heartbeat.ReceivedAt);
            if (await latest.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return new IngestResult(IngestOutcome.StoredAsLatest);
            }
        }

        var seen = statements.Seen;
        Db.Set(seen, "id", heartbeat.ServerId);
        Db.Set(seen, "received", heartbeat.ReceivedAt);
        await seen.ExecuteNonQueryAsync(cancellationToken);
        return new IngestResult(inserted ? IngestOutcome.StoredAsHistory : IngestOutcome.Duplicate);
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
    /// The statements every heartbeat runs, created once per batch and their parameters set per row: SQLite compiles
    /// each once and reuses it for the rest of the batch.
    /// </summary>
    private sealed class Statements(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public DbCommand Charge { get; } = Create(connection, transaction, """
            UPDATE servers SET
                rate_tat = (CASE WHEN rate_tat > @now THEN rate_tat ELSE @now END) + @request_cost,
                quota_tat = (CASE WHEN quota_tat > @now THEN quota_tat ELSE @now END) + @byte_cost
            WHERE id = @id
                AND (CASE WHEN rate_tat > @now THEN rate_tat ELSE @now END) + @request_cost - @now <= @request_limit
                AND (CASE WHEN quota_tat > @now THEN quota_tat ELSE @now END) + @byte_cost - @now <= @byte_limit
            """, // GCRA, both buckets in one statement: every expression reads the row as it was before the update.
            ("id", DbType.String), ("now", DbType.Int64), ("request_cost", DbType.Int64), ("request_limit", DbType.Int64),
            ("byte_cost", DbType.Int64), ("byte_limit", DbType.Int64));

        public DbCommand Insert { get; } = Create(connection, transaction, """
            INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent,
                ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes,
                network_out_bytes, container_count, timestamp_from_receipt)
            VALUES (@server, @heartbeat_id, @seq, @sample, @received, @version, @cpu, @ram_used, @ram_total, @disk_used,
                @disk_total, @load1, @load5, @load15, @net_in, @net_out, @container_count, @from_receipt)
            ON CONFLICT (server_id, heartbeat_id) DO NOTHING
            """,
            ("server", DbType.String), ("heartbeat_id", DbType.String), ("seq", DbType.Int64), ("sample", DbType.Int64),
            ("received", DbType.Int64), ("version", DbType.String), ("cpu", DbType.Double), ("ram_used", DbType.Int64),
            ("ram_total", DbType.Int64), ("disk_used", DbType.Int64), ("disk_total", DbType.Int64), ("load1", DbType.Double),
            ("load5", DbType.Double), ("load15", DbType.Double), ("net_in", DbType.Int64), ("net_out", DbType.Int64),
            ("container_count", DbType.Int64), ("from_receipt", DbType.Boolean));

        public ContainerStates ContainerStates { get; } = new(connection, transaction);

        // Newer = later sample, seq breaking ties. The timestamp leads because a seq that restarts (state lost) must not
        // freeze the latest state forever; a late queued sample never wins. A latest stamped ahead of the panel's clock
        // is not trusted to be newer than what arrives: otherwise a sample from the future (a bad clock, or a stolen
        // token) would pin the latest state until that time. The latest_* columns hold what a list of servers shows, so
        // it reads no JSON. latest_heartbeat is bound as the body's UTF-8 bytes (a BLOB to Microsoft.Data.Sqlite) and stored
        // as the TEXT they spell: a BLOB cast to TEXT is its bytes read in the database's encoding, UTF-8 (eighth pass).
        public DbCommand Latest { get; } = Create(connection, transaction, """
            UPDATE servers SET latest_sample_at = @sample, latest_seq = @seq, latest_agent_version = COALESCE(@version, latest_agent_version),
                latest_container_count = @container_count, latest_cpu_percent = @cpu, latest_ram_used_mb = @ram_used,
                latest_ram_total_mb = @ram_total, latest_disk_used_gb = @disk_used, latest_disk_total_gb = @disk_total,
                latest_load_1 = @load1, latest_load_5 = @load5, latest_load_15 = @load15, latest_network_in_bytes = @net_in,
                latest_network_out_bytes = @net_out, latest_containers_unhealthy = @unhealthy, latest_containers_exited = @exited,
                latest_containers_restarting = @restarting, latest_heartbeat = CAST(@json AS TEXT), last_seen_at = @received
            WHERE id = @id AND (latest_sample_at IS NULL OR latest_sample_at < @sample OR latest_sample_at > @received
                OR (latest_sample_at = @sample AND @seq IS NOT NULL AND (latest_seq IS NULL OR latest_seq < @seq)))
            """,
            ("id", DbType.String), ("sample", DbType.Int64), ("seq", DbType.Int64), ("version", DbType.String),
            ("container_count", DbType.Int64), ("cpu", DbType.Double), ("ram_used", DbType.Int64), ("ram_total", DbType.Int64),
            ("disk_used", DbType.Int64), ("disk_total", DbType.Int64), ("load1", DbType.Double), ("load5", DbType.Double),
            ("load15", DbType.Double), ("net_in", DbType.Int64), ("net_out", DbType.Int64), ("unhealthy", DbType.Int64),
            ("exited", DbType.Int64), ("restarting", DbType.Int64), ("json", DbType.Binary), ("received", DbType.Int64));

        public DbCommand Seen { get; } = Create(connection, transaction, "UPDATE servers SET last_seen_at = @received WHERE id = @id",
            ("id", DbType.String), ("received", DbType.Int64));

        /// <summary>A statement run only now and then (token promotion, a refused charge's wait).</summary>
        public DbCommand Command(string sql) => Create(connection, transaction, sql);

        private DbCommand[] All => [Charge, Insert, Latest, Seen];

        private static DbCommand Create(DbConnection connection, DbTransaction transaction, string sql, params (string Name, DbType Type)[] parameters)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var (name, type) in parameters)
            {
                Db.Declare(command, name, type);
            }

            return command;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in All)
            {
                await command.DisposeAsync();
            }

            await ContainerStates.DisposeAsync();
        }
    }
}
