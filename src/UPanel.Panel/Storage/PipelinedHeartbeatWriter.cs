using System.Data.Common;
using System.Text;
using Npgsql;

namespace UPanel.Panel.Storage;

/// <summary>
/// The heartbeat writer on PostgreSQL: a batch in one transaction and, in the steady state, one round trip and one
/// statement. The statement takes many heartbeats of distinct servers at once (their values as arrays): it charges each,
/// stores it once and makes it the latest when newer, against its server's row locked once; a server with several
/// heartbeats in the batch has its later ones in further statements of the same round trip (<see cref="DbBatch"/>). The
/// SQLite writer (<see cref="HeartbeatWriter"/>) runs four statements per heartbeat, each waiting for the one before
/// (docs/decisions/ingest-throughput.md, fourth and twelfth passes). Same outcomes, same rules.
/// </summary>
internal sealed class PipelinedHeartbeatWriter(SqlDialect dialect)
{
    // GCRA as the SQLite writer's charge, the insert's ON CONFLICT, and the latest state's "newer" rule (later sample,
    // seq breaking ties, a latest stamped ahead of the panel's clock not trusted), for several heartbeats of distinct
    // servers in one statement (their values as arrays, one element per heartbeat): the servers' rows are locked first, in
    // id order (FOR NO KEY UPDATE, as an UPDATE locks them, so alert commits' foreign keys do not wait on them), and each
    // written once. The digest of the containers' state in effect at each sample's time comes back with its outcome: a
    // state is stored only when it differs, which the writer sees afterwards (rarely) and stores then.
    private const string Sql = """
        WITH b AS (
            SELECT * FROM unnest(@id::text[], @now::bigint[], @request_cost::bigint[], @request_limit::bigint[],
                @byte_cost::bigint[], @byte_limit::bigint[], @heartbeat_id::text[], @seq::bigint[], @sample::bigint[],
                @version::text[], @cpu::double precision[], @ram_used::bigint[], @ram_total::bigint[], @disk_used::bigint[],
                @disk_total::bigint[], @load1::double precision[], @load5::double precision[], @load15::double precision[],
                @net_in::bigint[], @net_out::bigint[], @container_count::bigint[], @from_receipt::boolean[],
                @unhealthy::bigint[], @exited::bigint[], @restarting::bigint[], @json::text[])
                WITH ORDINALITY AS b(id, now, request_cost, request_limit, byte_cost, byte_limit, heartbeat_id, seq, sample,
                    version, cpu, ram_used, ram_total, disk_used, disk_total, load1, load5, load15, net_in, net_out,
                    container_count, from_receipt, unhealthy, exited, restarting, json, ord)
        ), s AS (
            SELECT b.ord, b.now, b.sample, b.seq, v.rate_tat, v.quota_tat, v.latest_sample_at, v.latest_seq,
                GREATEST(v.rate_tat, b.now) + b.request_cost AS rate, GREATEST(v.quota_tat, b.now) + b.byte_cost AS quota,
                b.request_limit, b.byte_limit
            FROM b JOIN servers v ON v.id = b.id
            ORDER BY v.id
            FOR NO KEY UPDATE OF v
        ), charged AS (
            SELECT * FROM s WHERE rate - now <= request_limit AND quota - now <= byte_limit
        ), inserted AS (
            INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent,
                ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes,
                network_out_bytes, container_count, timestamp_from_receipt)
            SELECT b.id, b.heartbeat_id, b.seq, b.sample, b.now, COALESCE(b.version, ''), b.cpu, b.ram_used, b.ram_total,
                b.disk_used, b.disk_total, b.load1, b.load5, b.load15, b.net_in, b.net_out, b.container_count, b.from_receipt
            FROM charged c JOIN b ON b.ord = c.ord
            ON CONFLICT (server_id, heartbeat_id) DO NOTHING
            RETURNING server_id
        ), judged AS (
            SELECT b.*, c.rate, c.quota, i.server_id IS NOT NULL AND (c.latest_sample_at IS NULL OR c.latest_sample_at < b.sample
                OR c.latest_sample_at > b.now
                OR (c.latest_sample_at = b.sample AND b.seq IS NOT NULL AND (c.latest_seq IS NULL OR c.latest_seq < b.seq))) AS newer
            FROM charged c JOIN b ON b.ord = c.ord LEFT JOIN inserted i ON i.server_id = b.id
        ), updated AS (
            UPDATE servers SET rate_tat = j.rate, quota_tat = j.quota, last_seen_at = j.now,
                latest_sample_at = CASE WHEN j.newer THEN j.sample ELSE latest_sample_at END,
                latest_seq = CASE WHEN j.newer THEN j.seq ELSE latest_seq END,
                latest_agent_version = CASE WHEN j.newer THEN COALESCE(j.version, latest_agent_version) ELSE latest_agent_version END,
                latest_container_count = CASE WHEN j.newer THEN j.container_count ELSE latest_container_count END,
                latest_cpu_percent = CASE WHEN j.newer THEN j.cpu ELSE latest_cpu_percent END,
                latest_ram_used_mb = CASE WHEN j.newer THEN j.ram_used ELSE latest_ram_used_mb END,
                latest_ram_total_mb = CASE WHEN j.newer THEN j.ram_total ELSE latest_ram_total_mb END,
                latest_disk_used_gb = CASE WHEN j.newer THEN j.disk_used ELSE latest_disk_used_gb END,
                latest_disk_total_gb = CASE WHEN j.newer THEN j.disk_total ELSE latest_disk_total_gb END,
                latest_load_1 = CASE WHEN j.newer THEN j.load1 ELSE latest_load_1 END,
                latest_load_5 = CASE WHEN j.newer THEN j.load5 ELSE latest_load_5 END,
                latest_load_15 = CASE WHEN j.newer THEN j.load15 ELSE latest_load_15 END,
                latest_network_in_bytes = CASE WHEN j.newer THEN j.net_in ELSE latest_network_in_bytes END,
                latest_network_out_bytes = CASE WHEN j.newer THEN j.net_out ELSE latest_network_out_bytes END,
                latest_containers_unhealthy = CASE WHEN j.newer THEN j.unhealthy ELSE latest_containers_unhealthy END,
                latest_containers_exited = CASE WHEN j.newer THEN j.exited ELSE latest_containers_exited END,
                latest_containers_restarting = CASE WHEN j.newer THEN j.restarting ELSE latest_containers_restarting END,
                latest_heartbeat = CASE WHEN j.newer THEN j.json ELSE latest_heartbeat END
            FROM judged j
            WHERE servers.id = j.id
            RETURNING j.ord, j.newer
        )
        SELECT b.ord, s.rate_tat, s.quota_tat, s.ord IS NOT NULL AND EXISTS (SELECT 1 FROM charged c WHERE c.ord = b.ord) AS charged,
            EXISTS (SELECT 1 FROM inserted i WHERE i.server_id = b.id) AS inserted,
            COALESCE((SELECT u.newer FROM updated u WHERE u.ord = b.ord), FALSE) AS newer,
            (SELECT digest FROM container_states WHERE server_id = b.id AND at <= b.sample ORDER BY at DESC LIMIT 1) AS digest
        FROM b LEFT JOIN s ON s.ord = b.ord
        ORDER BY b.ord
        """;

    // The rows are locked already (the statement above); a server with the token twice in the batch is written once.
    private const string PromoteSql = """
        UPDATE servers SET token_hash_prev = NULL, prev_expires_at = NULL, pending_token_sealed = NULL
        FROM (SELECT DISTINCT id, hash FROM unnest(@id::text[], @hash::text[]) AS p(id, hash)) p
        WHERE servers.id = p.id AND servers.token_hash = p.hash
            AND (token_hash_prev IS NOT NULL OR prev_expires_at IS NOT NULL OR pending_token_sealed IS NOT NULL)
        """;

    public async Task<IReadOnlyList<IngestResult>> WriteAsync(IReadOnlyList<HeartbeatIngest> batch)
    {
        // Never the request's token: the batch holds other requests' heartbeats.
        var cancellationToken = CancellationToken.None;

        // Every panel's batches lock servers' rows in one order (by id), so two panels' batches cannot deadlock; the
        // sort is stable, so a server's own heartbeats keep the order they came in. A statement holds each server once
        // (its rows depend on nothing else in it): a server's n-th heartbeat of the batch goes to the n-th statement, and
        // each statement sees what the ones before it wrote, as one statement per heartbeat did. The first statement
        // holds every server of the batch, so it takes all the locks, in id order.
        var order = Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].ServerId, StringComparer.Ordinal).ToArray();
        var rounds = Rounds(batch, order);
        var results = new IngestResult[batch.Count];
        var stored = new bool[batch.Count];
        HashSet<string>? statesToCheck = null;
        List<(string ServerId, string TokenHash)>? promotions = null;

        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var statements = connection.CreateBatch())
        {
            statements.Transaction = transaction;
            foreach (var round in rounds)
            {
                statements.BatchCommands.Add(Command(statements, batch, round));
            }

            await using var reader = await statements.ExecuteReaderAsync(cancellationToken);
            Row? row = null;
            foreach (var round in rounds)
            {
                foreach (var i in round)
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        throw new InvalidOperationException("the heartbeat statement returned a row too few");
                    }

                    row ??= new Row(reader);
                    var heartbeat = batch[i];
                    (results[i], stored[i]) = Outcome(heartbeat, row);
                    if (heartbeat.PromoteTokenHash is { } promoted && results[i].Outcome is not (IngestOutcome.UnknownServer or IngestOutcome.RateLimited))
                    {
                        (promotions ??= []).Add((heartbeat.ServerId, promoted));
                    }
                    // The state in effect differs (or there is none yet): this server's states are stored below, in order.
                    if (stored[i] && heartbeat.Containers is not null
                        && (row.IsNull("digest") || row.RequiredInt64("digest") != heartbeat.ContainersDigest))
                    {
                        (statesToCheck ??= new HashSet<string>(StringComparer.Ordinal)).Add(heartbeat.ServerId);
                    }
                }

                await reader.NextResultAsync(cancellationToken);
            }
        }

        if (promotions is not null)
        {
            // The new token's first use (a charged heartbeat made with it) ends the previous one's overlap, as the SQLite
            // writer does: a statement of its own, rarely, so the row's update at every heartbeat sets no column a panel
            // keeps, and PostgreSQL's trigger tells the other panels only of this (018_credentials_changed_notify.sql).
            await using var promote = connection.CreateCommand();
            promote.Transaction = transaction;
            promote.CommandText = PromoteSql;
            promote.Parameters.Add(new NpgsqlParameter<string[]>("id", [.. promotions.Select(p => p.ServerId)]));
            promote.Parameters.Add(new NpgsqlParameter<string[]>("hash", [.. promotions.Select(p => p.TokenHash)]));
            await promote.ExecuteNonQueryAsync(cancellationToken);
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

    /// <summary>
    /// The batch's heartbeats (indexes, in <paramref name="order"/>) split so that no statement holds a server twice: a
    /// server's first heartbeat in the first, its second in the second, and so on.
    /// </summary>
    internal static List<List<int>> Rounds(IReadOnlyList<HeartbeatIngest> batch, int[] order)
    {
        var rounds = new List<List<int>>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in order)
        {
            var n = seen.GetValueOrDefault(batch[i].ServerId);
            seen[batch[i].ServerId] = n + 1;
            if (n == rounds.Count)
            {
                rounds.Add([]);
            }

            rounds[n].Add(i);
        }

        return rounds;
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

    private static DbBatchCommand Command(DbBatch statements, IReadOnlyList<HeartbeatIngest> batch, List<int> round)
    {
        var command = statements.CreateBatchCommand();
        command.CommandText = Sql;
        var parameters = command.Parameters;
        void Add<T>(string name, Func<HeartbeatIngest, T> value)
        {
            var values = new T[round.Count];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = value(batch[round[k]]);
            }

            parameters.Add(new NpgsqlParameter<T[]>(name, values));
        }

        Add("id", h => h.ServerId);
        Add("now", h => h.ReceivedAt.ToUnixTimeMilliseconds());
        Add("request_cost", h => h.Quota.Costs(h.Bytes).RequestCost);
        Add("request_limit", h => h.Quota.Costs(h.Bytes).RequestLimit);
        Add("byte_cost", h => h.Quota.Costs(h.Bytes).ByteCost);
        Add("byte_limit", h => h.Quota.Costs(h.Bytes).ByteLimit);
        Add("heartbeat_id", h => h.HeartbeatId);
        Add("seq", h => h.Seq);
        Add("sample", h => h.SampleAt.ToUnixTimeMilliseconds());
        // The heartbeats column predates heartbeats without a version: '' stands for "not sent" (an empty one is refused).
        Add("version", h => h.AgentVersion);
        Add("cpu", h => h.Metrics.CpuPercent);
        Add("ram_used", h => h.Metrics.RamUsedMb);
        Add("ram_total", h => h.Metrics.RamTotalMb);
        Add("disk_used", h => h.Metrics.DiskUsedGb);
        Add("disk_total", h => h.Metrics.DiskTotalGb);
        Add("load1", h => h.Metrics.LoadAverage?[0]);
        Add("load5", h => h.Metrics.LoadAverage?[1]);
        Add("load15", h => h.Metrics.LoadAverage?[2]);
        Add("net_in", h => h.Metrics.NetworkInBytes);
        Add("net_out", h => h.Metrics.NetworkOutBytes);
        Add("container_count", h => (long?)h.ContainerCount);
        Add("from_receipt", h => h.TimestampFromReceipt);
        Add("unhealthy", h => (long)h.ContainerCounts.Unhealthy);
        Add("exited", h => (long)h.ContainerCounts.Exited);
        Add("restarting", h => (long)h.ContainerCounts.Restarting);
        Add("json", h => Encoding.UTF8.GetString(h.HeartbeatJson));
        return command;
    }
}
