using System.Data.Common;
using System.Text;

namespace UPanel.Panel.Storage;

/// <summary>
/// The heartbeat writer on PostgreSQL: a batch in one transaction and, in the steady state, one round trip. Each
/// heartbeat is one statement (charge, store once, make the latest when newer, all against its server's row locked
/// once), and the batch's statements go out together (<see cref="DbBatch"/>). The SQLite writer
/// (<see cref="HeartbeatWriter"/>) runs four statements per heartbeat, each waiting for the one before; here that was
/// four round trips and two new versions of the server's row per heartbeat (docs/decisions/ingest-throughput.md, fourth
/// pass). Same outcomes, same rules.
/// </summary>
internal sealed class PipelinedHeartbeatWriter(SqlDialect dialect)
{
    // GCRA as the SQLite writer's charge, the insert's ON CONFLICT, and the latest state's "newer" rule (later sample,
    // seq breaking ties, a latest stamped ahead of the panel's clock not trusted), in one statement: the server's row is
    // locked first (FOR NO KEY UPDATE, as an UPDATE locks it, so alert commits' foreign keys do not wait on it) and
    // written once. The digest of the containers' state in effect at the sample's time comes back with the outcome: a
    // state is stored only when it differs, which the writer sees afterwards (rarely) and stores then.
    private const string Sql = """
        WITH s AS (
            SELECT rate_tat, quota_tat, latest_sample_at, latest_seq,
                GREATEST(rate_tat, @now) + @request_cost AS rate, GREATEST(quota_tat, @now) + @byte_cost AS quota
            FROM servers WHERE id = @id FOR NO KEY UPDATE
        ), charged AS (
            SELECT * FROM s WHERE rate - @now <= @request_limit AND quota - @now <= @byte_limit
        ), inserted AS (
            INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent,
                ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes,
                network_out_bytes, container_count, timestamp_from_receipt)
            SELECT @id, @heartbeat_id, @seq, @sample, @received, COALESCE(@version, ''), @cpu, @ram_used, @ram_total,
                @disk_used, @disk_total, @load1, @load5, @load15, @net_in, @net_out, @container_count, @from_receipt
            FROM charged
            ON CONFLICT (server_id, heartbeat_id) DO NOTHING
            RETURNING 1
        ), judged AS (
            SELECT rate, quota, EXISTS (SELECT 1 FROM inserted) AND (latest_sample_at IS NULL OR latest_sample_at < @sample
                OR latest_sample_at > @received
                OR (latest_sample_at = @sample AND @seq IS NOT NULL AND (latest_seq IS NULL OR latest_seq < @seq))) AS newer
            FROM charged
        ), updated AS (
            UPDATE servers SET rate_tat = j.rate, quota_tat = j.quota, last_seen_at = @received,
                token_hash_prev = CASE WHEN token_hash = @promote THEN NULL ELSE token_hash_prev END,
                prev_expires_at = CASE WHEN token_hash = @promote THEN NULL ELSE prev_expires_at END,
                pending_token_sealed = CASE WHEN token_hash = @promote THEN NULL ELSE pending_token_sealed END,
                latest_sample_at = CASE WHEN j.newer THEN @sample ELSE latest_sample_at END,
                latest_seq = CASE WHEN j.newer THEN @seq ELSE latest_seq END,
                latest_agent_version = CASE WHEN j.newer THEN COALESCE(@version, latest_agent_version) ELSE latest_agent_version END,
                latest_container_count = CASE WHEN j.newer THEN @container_count ELSE latest_container_count END,
                latest_cpu_percent = CASE WHEN j.newer THEN @cpu ELSE latest_cpu_percent END,
                latest_ram_used_mb = CASE WHEN j.newer THEN @ram_used ELSE latest_ram_used_mb END,
                latest_ram_total_mb = CASE WHEN j.newer THEN @ram_total ELSE latest_ram_total_mb END,
                latest_disk_used_gb = CASE WHEN j.newer THEN @disk_used ELSE latest_disk_used_gb END,
                latest_disk_total_gb = CASE WHEN j.newer THEN @disk_total ELSE latest_disk_total_gb END,
                latest_load_1 = CASE WHEN j.newer THEN @load1 ELSE latest_load_1 END,
                latest_load_5 = CASE WHEN j.newer THEN @load5 ELSE latest_load_5 END,
                latest_load_15 = CASE WHEN j.newer THEN @load15 ELSE latest_load_15 END,
                latest_network_in_bytes = CASE WHEN j.newer THEN @net_in ELSE latest_network_in_bytes END,
                latest_network_out_bytes = CASE WHEN j.newer THEN @net_out ELSE latest_network_out_bytes END,
                latest_containers_unhealthy = CASE WHEN j.newer THEN @unhealthy ELSE latest_containers_unhealthy END,
                latest_containers_exited = CASE WHEN j.newer THEN @exited ELSE latest_containers_exited END,
                latest_containers_restarting = CASE WHEN j.newer THEN @restarting ELSE latest_containers_restarting END,
                latest_heartbeat = CASE WHEN j.newer THEN @json ELSE latest_heartbeat END
            FROM judged j
            WHERE servers.id = @id
            RETURNING j.newer
        )
        SELECT (SELECT rate_tat FROM s) AS rate_tat, (SELECT quota_tat FROM s) AS quota_tat,
            EXISTS (SELECT 1 FROM charged) AS charged, EXISTS (SELECT 1 FROM inserted) AS inserted,
            COALESCE((SELECT newer FROM updated), FALSE) AS newer,
            (SELECT digest FROM container_states WHERE server_id = @id AND at <= @sample ORDER BY at DESC LIMIT 1) AS digest
        """;

    public async Task<IReadOnlyList<IngestResult>> WriteAsync(IReadOnlyList<HeartbeatIngest> batch)
    {
        // Never the request's token: the batch holds other requests' heartbeats.
        var cancellationToken = CancellationToken.None;

        // Every panel's batches lock servers' rows in one order (by id), so two panels' batches cannot deadlock; the
        // sort is stable, so a server's own heartbeats keep the order they came in.
        var order = Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].ServerId, StringComparer.Ordinal).ToArray();
        var results = new IngestResult[batch.Count];
        var stored = new bool[batch.Count];
        HashSet<string>? statesToCheck = null;

        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var statements = connection.CreateBatch())
        {
            statements.Transaction = transaction;
            foreach (var i in order)
            {
                statements.BatchCommands.Add(Command(statements, batch[i]));
            }

            await using var reader = await statements.ExecuteReaderAsync(cancellationToken);
            Row? row = null;
            foreach (var i in order)
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    throw new InvalidOperationException("the heartbeat statement returned no row");
                }

                row ??= new Row(reader);
                var heartbeat = batch[i];
                (results[i], stored[i]) = Outcome(heartbeat, row);
                // The state in effect differs (or there is none yet): this server's states are stored below, in order.
                if (stored[i] && heartbeat.Containers is not null
                    && (row.IsNull("digest") || row.RequiredInt64("digest") != heartbeat.ContainersDigest))
                {
                    (statesToCheck ??= new HashSet<string>(StringComparer.Ordinal)).Add(heartbeat.ServerId);
                }

                await reader.NextResultAsync(cancellationToken);
            }
        }

        if (statesToCheck is not null)
        {
            // As the SQLite writer does for each heartbeat: every stored heartbeat of these servers, in order, compared
            // with the state in effect at its sample's time (which the ones before it in the batch may have just stored).
            await using var states = new ContainerStates(connection, transaction);
            foreach (var i in order)
            {
                if (stored[i] && batch[i].Containers is not null && statesToCheck.Contains(batch[i].ServerId))
                {
                    await states.StoreIfChangedAsync(batch[i], cancellationToken);
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    private static (IngestResult Result, bool Stored) Outcome(HeartbeatIngest heartbeat, Row row)
    {
        if (row.IsNull("rate_tat"))
        {
            return (new IngestResult(IngestOutcome.UnknownServer), false);
        }

        if (!row.RequiredBool("charged"))
        {
            var (requestCost, requestLimit, byteCost, byteLimit) = heartbeat.Quota.Costs(heartbeat.Bytes);
            var nowMs = heartbeat.ReceivedAt.ToUnixTimeMilliseconds();
            var requestWait = Math.Max(row.RequiredInt64("rate_tat"), nowMs) + requestCost - nowMs - requestLimit;
            var byteWait = Math.Max(row.RequiredInt64("quota_tat"), nowMs) + byteCost - nowMs - byteLimit;
            return (new IngestResult(IngestOutcome.RateLimited, TimeSpan.FromMilliseconds(Math.Max(1, Math.Max(requestWait, byteWait)))), false);
        }

        if (!row.RequiredBool("inserted"))
        {
            return (new IngestResult(IngestOutcome.Duplicate), false);
        }

        return (new IngestResult(row.RequiredBool("newer") ? IngestOutcome.StoredAsLatest : IngestOutcome.StoredAsHistory), true);
    }

    private static DbBatchCommand Command(DbBatch batch, HeartbeatIngest heartbeat)
    {
        var (requestCost, requestLimit, byteCost, byteLimit) = heartbeat.Quota.Costs(heartbeat.Bytes);
        var metrics = heartbeat.Metrics;
        var command = batch.CreateBatchCommand();
        command.CommandText = Sql;
        Db.Add(command, "id", heartbeat.ServerId);
        Db.Add(command, "now", heartbeat.ReceivedAt.ToUnixTimeMilliseconds());
        Db.Add(command, "request_cost", requestCost);
        Db.Add(command, "request_limit", requestLimit);
        Db.Add(command, "byte_cost", byteCost);
        Db.Add(command, "byte_limit", byteLimit);
        Db.Add(command, "heartbeat_id", heartbeat.HeartbeatId);
        Db.Add(command, "seq", heartbeat.Seq);
        Db.Add(command, "sample", heartbeat.SampleAt.ToUnixTimeMilliseconds());
        Db.Add(command, "received", heartbeat.ReceivedAt.ToUnixTimeMilliseconds());
        // The heartbeats column predates heartbeats without a version: '' stands for "not sent" (an empty one is refused).
        Db.Add(command, "version", heartbeat.AgentVersion);
        Db.Add(command, "cpu", metrics.CpuPercent);
        Db.Add(command, "ram_used", metrics.RamUsedMb);
        Db.Add(command, "ram_total", metrics.RamTotalMb);
        Db.Add(command, "disk_used", metrics.DiskUsedGb);
        Db.Add(command, "disk_total", metrics.DiskTotalGb);
        Db.Add(command, "load1", metrics.LoadAverage?[0]);
        Db.Add(command, "load5", metrics.LoadAverage?[1]);
        Db.Add(command, "load15", metrics.LoadAverage?[2]);
        Db.Add(command, "net_in", metrics.NetworkInBytes);
        Db.Add(command, "net_out", metrics.NetworkOutBytes);
        Db.Add(command, "container_count", heartbeat.ContainerCount);
        Db.Add(command, "from_receipt", heartbeat.TimestampFromReceipt);
        Db.Add(command, "unhealthy", heartbeat.ContainerCounts.Unhealthy);
        Db.Add(command, "exited", heartbeat.ContainerCounts.Exited);
        Db.Add(command, "restarting", heartbeat.ContainerCounts.Restarting);
        Db.Add(command, "json", Encoding.UTF8.GetString(heartbeat.HeartbeatJson));
        // The token the agent authenticated with once it is the new one: the old one stops working now.
        Db.Add(command, "promote", heartbeat.PromoteTokenHash);
        return command;
    }
}
