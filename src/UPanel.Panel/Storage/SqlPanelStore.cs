using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Storage;

/// <summary>
/// The store over hand-written ADO.NET. Queries are shared by both engines; times are Unix milliseconds; every
/// multi-statement change runs in one transaction so a failed request leaves nothing behind.
/// </summary>
internal sealed class SqlPanelStore(SqlDialect dialect, TimeProvider time, ILogger<SqlPanelStore> logger) : IPanelStore
{
    private const string ServerColumns = """
        id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version, machine_id,
        next_heartbeat_seconds, target_agent_version, update_url, created_at, last_seen_at, revoked_at,
        pending_token_sealed, prev_expires_at, latest_sample_at, latest_seq, latest_agent_version,
        latest_container_count, latest_heartbeat
        """;

    private readonly GroupCommit<HeartbeatIngest, IngestResult>? _ingest =
        dialect.GroupsCommits ? new(new HeartbeatWriter(dialect).WriteAsync, HeartbeatWriter.MaxBatch) : null;

    /// <summary>Rows per prune transaction: a few milliseconds of SQLite's write lock at a time.</summary>
    private const int PruneBatchSize = 2000;

    public string Engine => dialect.Name;

    public Task MigrateAsync(CancellationToken cancellationToken) => new Migrator(dialect, time, logger).MigrateAsync(cancellationToken);

    public async Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM settings WHERE key = @key";
        Db.Add(command, "key", key);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<bool> TryAddSettingAsync(string key, string value, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING";
        Db.Add(command, "key", key);
        Db.Add(command, "value", value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task AddInstallTokenAsync(string tokenHash, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO install_tokens (token_hash, created_at, expires_at) VALUES (@hash, @created, @expires)";
        Db.Add(command, "hash", tokenHash);
        Db.Add(command, "created", createdAt);
        Db.Add(command, "expires", expiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> IsInstallTokenLiveAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT token_hash FROM install_tokens WHERE token_hash = @hash AND expires_at > @now");
        Db.Add(command, "hash", tokenHash);
        Db.Add(command, "now", now);
        return await command.ExecuteScalarAsync(cancellationToken) is string stored && Secrets.HashesEqual(stored, tokenHash);
    }

    public async Task<RegistrationResult> RegisterAsync(Registration registration, CancellationToken cancellationToken)
    {
        var rejected = new RegistrationResult(null, false, 0);
        // Two attempts: under PostgreSQL's read committed a concurrent first use can win the token between our read
        // and our update; the second attempt then sees it used and takes the "same machine again" path.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            string? storedHash;
            DateTimeOffset expiresAt;
            DateTimeOffset? usedAt;
            string? usedBy;
            string? usedFrom;
            await using (var read = Command(connection, transaction,
                "SELECT token_hash, expires_at, used_at, server_id, machine_key FROM install_tokens WHERE token_hash = @hash"))
            {
                Db.Add(read, "hash", registration.InstallTokenHash);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return rejected;
                }

                var row = new Row(reader);
                storedHash = row.RequiredString("token_hash");
                expiresAt = row.RequiredTime("expires_at");
                usedAt = row.Time("used_at");
                usedBy = row.String("server_id");
                usedFrom = row.String("machine_key");
            }

            if (!Secrets.HashesEqual(storedHash, registration.InstallTokenHash) || expiresAt <= registration.Now)
            {
                return rejected;
            }

            if (usedAt is null)
            {
                await using (var claim = Command(connection, transaction, """
                    UPDATE install_tokens SET used_at = @now, server_id = @server, machine_key = @machine
                    WHERE token_hash = @hash AND used_at IS NULL
                    """))
                {
                    Db.Add(claim, "now", registration.Now);
                    Db.Add(claim, "server", registration.NewServerId);
                    Db.Add(claim, "machine", registration.MachineKey);
                    Db.Add(claim, "hash", registration.InstallTokenHash);
                    if (await claim.ExecuteNonQueryAsync(cancellationToken) != 1)
                    {
                        await transaction.RollbackAsync(cancellationToken);
                        continue;
                    }
                }

                await using (var insert = Command(connection, transaction, """
                    INSERT INTO servers (id, hostname, os_version, cpu_cores, ram_mb, disk_gb, registered_agent_version,
                        machine_id, token_hash, next_heartbeat_seconds, created_at)
                    VALUES (@id, @hostname, @os, @cores, @ram, @disk, @version, @machine, @token, @interval, @now)
                    """))
                {
                    Db.Add(insert, "id", registration.NewServerId);
                    AddFacts(insert, registration);
                    Db.Add(insert, "token", registration.NewTokenHash);
                    Db.Add(insert, "interval", registration.DefaultHeartbeatSeconds);
                    Db.Add(insert, "now", registration.Now);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                return new RegistrationResult(registration.NewServerId, false, registration.DefaultHeartbeatSeconds);
            }

            if (usedBy is null || !string.Equals(usedFrom, registration.MachineKey, StringComparison.Ordinal))
            {
                return rejected;
            }

            // The same machine again (its response was lost): same server, a fresh token; the lost one stops working.
            // Only until the server's first heartbeat: then the response was not lost, and the install token and the
            // machine id (readable by every local user) must not hand the server to someone else.
            await using (var reissue = Command(connection, transaction, """
                UPDATE servers SET token_hash = @token, token_hash_prev = NULL, prev_expires_at = NULL, pending_token_sealed = NULL,
                    hostname = @hostname, os_version = @os, cpu_cores = @cores, ram_mb = @ram, disk_gb = @disk,
                    registered_agent_version = @version, machine_id = @machine
                WHERE id = @id AND revoked_at IS NULL AND last_seen_at IS NULL
                RETURNING next_heartbeat_seconds
                """))
            {
                Db.Add(reissue, "id", usedBy);
                AddFacts(reissue, registration);
                Db.Add(reissue, "token", registration.NewTokenHash);
                var interval = await reissue.ExecuteScalarAsync(cancellationToken);
                if (interval is null)
                {
                    return rejected;
                }

                await transaction.CommitAsync(cancellationToken);
                return new RegistrationResult(usedBy, true, Convert.ToInt32(interval, CultureInfo.InvariantCulture));
            }
        }

        return rejected;
    }

    private static void AddFacts(DbCommand command, Registration registration)
    {
        Db.Add(command, "hostname", registration.Hostname);
        Db.Add(command, "os", registration.OsVersion);
        Db.Add(command, "cores", registration.CpuCores);
        Db.Add(command, "ram", registration.RamMb);
        Db.Add(command, "disk", registration.DiskGb);
        Db.Add(command, "version", registration.AgentVersion);
        Db.Add(command, "machine", registration.MachineId);
    }

    public async Task<ServerCredentials?> FindByTokenHashAsync(string tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT id, token_hash, token_hash_prev, prev_expires_at, pending_token_sealed, next_heartbeat_seconds,
                target_agent_version, update_url
            FROM servers WHERE token_hash = @hash OR token_hash_prev = @hash
            """);
        Db.Add(command, "hash", tokenHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = new Row(reader);
        return new ServerCredentials(
            row.RequiredString("id"),
            row.String("token_hash"),
            row.String("token_hash_prev"),
            row.Time("prev_expires_at"),
            row.String("pending_token_sealed"),
            (int)row.RequiredInt64("next_heartbeat_seconds"),
            row.String("target_agent_version"),
            row.String("update_url"));
    }

    public async Task<IngestResult> IngestAsync(HeartbeatIngest heartbeat, CancellationToken cancellationToken) => _ingest is null
        ? (await new HeartbeatWriter(dialect).WriteAsync([heartbeat]))[0]
        : await _ingest.WriteAsync(heartbeat, cancellationToken);

    public async Task<IReadOnlyList<ServerRecord>> ListServersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {ServerColumns} FROM servers ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var servers = new List<ServerRecord>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            servers.Add(ReadServer(row));
        }

        return servers;
    }

    public async Task<IReadOnlyList<Pages.Charts.MetricSample>> GetSamplesAsync(string serverId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT sample_at, cpu_percent, ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, network_in_bytes, network_out_bytes
            FROM heartbeats
            WHERE server_id = @server AND sample_at >= @from AND sample_at < @to
            ORDER BY sample_at
            """);
        Db.Add(command, "server", serverId);
        Db.Add(command, "from", from);
        Db.Add(command, "to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var samples = new List<Pages.Charts.MetricSample>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            samples.Add(new Pages.Charts.MetricSample(
                row.RequiredInt64("sample_at"),
                row.Double("cpu_percent"),
                row.Int64("ram_used_mb"),
                row.Int64("ram_total_mb"),
                row.Int64("disk_used_gb"),
                row.Int64("disk_total_gb"),
                row.Double("load_1"),
                row.Int64("network_in_bytes"),
                row.Int64("network_out_bytes")));
        }

        return samples;
    }

    public async Task<ServerRecord?> GetServerAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {ServerColumns} FROM servers WHERE id = @id");
        Db.Add(command, "id", serverId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadServer(new Row(reader)) : null;
    }

    private static ServerRecord ReadServer(Row row) => new()
    {
        Id = row.RequiredString("id"),
        Hostname = row.RequiredString("hostname"),
        OsVersion = row.RequiredString("os_version"),
        CpuCores = row.RequiredInt64("cpu_cores"),
        RamMb = row.RequiredInt64("ram_mb"),
        DiskGb = row.RequiredInt64("disk_gb"),
        RegisteredAgentVersion = row.RequiredString("registered_agent_version"),
        MachineId = row.String("machine_id"),
        NextHeartbeatSeconds = (int)row.RequiredInt64("next_heartbeat_seconds"),
        TargetAgentVersion = row.String("target_agent_version"),
        UpdateUrl = row.String("update_url"),
        CreatedAt = row.RequiredTime("created_at"),
        LastSeenAt = row.Time("last_seen_at"),
        RevokedAt = row.Time("revoked_at"),
        RotationPending = !row.IsNull("pending_token_sealed"),
        PreviousTokenExpiresAt = row.Time("prev_expires_at"),
        LatestSampleAt = row.Time("latest_sample_at"),
        LatestSeq = row.Int64("latest_seq"),
        LatestAgentVersion = row.String("latest_agent_version"),
        LatestContainerCount = row.Int64("latest_container_count"),
        LatestHeartbeatJson = row.String("latest_heartbeat"),
    };

    public async Task<IReadOnlyList<HeartbeatRecord>> GetHeartbeatsAsync(string serverId, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent, ram_used_mb, ram_total_mb,
                disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes, network_out_bytes, container_count,
                timestamp_from_receipt
            FROM heartbeats
            WHERE server_id = @server AND (@before IS NULL OR id < @before)
            ORDER BY id DESC
            LIMIT @limit
            """);
        Db.Add(command, "server", serverId);
        Db.Add(command, "before", beforeId);
        Db.Add(command, "limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<HeartbeatRecord>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            var load = row.IsNull("load_1") ? null : new[] { row.RequiredDouble("load_1"), row.RequiredDouble("load_5"), row.RequiredDouble("load_15") };
            rows.Add(new HeartbeatRecord
            {
                Id = row.RequiredInt64("id"),
                HeartbeatId = row.String("heartbeat_id"),
                Seq = row.Int64("seq"),
                SampleAt = row.RequiredTime("sample_at"),
                ReceivedAt = row.RequiredTime("received_at"),
                TimestampFromReceipt = row.RequiredBool("timestamp_from_receipt"),
                AgentVersion = row.RequiredString("agent_version") is { Length: > 0 } version ? version : null,
                Metrics = new HostMetrics
                {
                    CpuPercent = row.Double("cpu_percent"),
                    RamUsedMb = row.Int64("ram_used_mb"),
                    RamTotalMb = row.Int64("ram_total_mb"),
                    DiskUsedGb = row.Int64("disk_used_gb"),
                    DiskTotalGb = row.Int64("disk_total_gb"),
                    LoadAverage = load,
                    NetworkInBytes = row.Int64("network_in_bytes"),
                    NetworkOutBytes = row.Int64("network_out_bytes"),
                },
                ContainerCount = row.Int64("container_count"),
            });
        }

        return rows;
    }

    public async Task<bool> RotateTokenAsync(string serverId, string newTokenHash, string? sealedToken, DateTimeOffset now, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        // The token the agent holds is the previous one if an earlier rotation was never picked up: keep that one,
        // or a second rotation would lock the agent out. A revoked server gets a token with no overlap.
        await using var command = Command(connection, null, """
            UPDATE servers SET
                token_hash_prev = CASE
                    WHEN revoked_at IS NOT NULL THEN NULL
                    WHEN token_hash_prev IS NOT NULL AND prev_expires_at > @now THEN token_hash_prev
                    ELSE token_hash END,
                prev_expires_at = CASE WHEN revoked_at IS NOT NULL THEN NULL ELSE @expires END,
                pending_token_sealed = CASE WHEN revoked_at IS NOT NULL THEN NULL ELSE @sealed END,
                token_hash = @token,
                revoked_at = NULL
            WHERE id = @id
            """);
        Db.Add(command, "id", serverId);
        Db.Add(command, "now", now);
        Db.Add(command, "expires", previousExpiresAt);
        Db.Add(command, "sealed", sealedToken);
        Db.Add(command, "token", newTokenHash);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> RevokeAsync(string serverId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            UPDATE servers SET token_hash = NULL, token_hash_prev = NULL, prev_expires_at = NULL, pending_token_sealed = NULL,
                revoked_at = @now
            WHERE id = @id
            """);
        Db.Add(command, "id", serverId);
        Db.Add(command, "now", now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> UpdateSettingsAsync(string serverId, ServerSettings settings, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            UPDATE servers SET
                next_heartbeat_seconds = COALESCE(@interval, next_heartbeat_seconds),
                target_agent_version = CASE WHEN @target IS NULL THEN target_agent_version WHEN @target = '' THEN NULL ELSE @target END,
                update_url = CASE WHEN @url IS NULL THEN update_url WHEN @url = '' THEN NULL ELSE @url END
            WHERE id = @id
            """);
        Db.Add(command, "id", serverId);
        Db.Add(command, "interval", settings.NextHeartbeatSeconds);
        Db.Add(command, "target", settings.TargetAgentVersion);
        Db.Add(command, "url", settings.UpdateUrl);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> PruneAsync(DateTimeOffset now, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        // In batches, each its own short transaction: one DELETE of a large backlog would hold SQLite's write lock
        // (and so every heartbeat) for as long as it runs.
        var deleted = 0;
        int batch;
        do
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            using var turn = await dialect.WriteTurnAsync(cancellationToken);
            await using var history = Command(connection, null, """
                DELETE FROM heartbeats WHERE id IN (SELECT id FROM heartbeats WHERE sample_at < @cutoff LIMIT @batch)
                """);
            Db.Add(history, "cutoff", cutoff);
            Db.Add(history, "batch", PruneBatchSize);
            batch = await history.ExecuteNonQueryAsync(cancellationToken);
            deleted += batch;
        }
        while (batch == PruneBatchSize);

        await using (var connection = await dialect.OpenAsync(cancellationToken))
        using (await dialect.WriteTurnAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var installTokens = Command(connection, transaction, "DELETE FROM install_tokens WHERE expires_at < @cutoff"))
            {
                Db.Add(installTokens, "cutoff", cutoff);
                await installTokens.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var overlap = Command(connection, transaction, """
                UPDATE servers SET token_hash_prev = NULL, prev_expires_at = NULL, pending_token_sealed = NULL
                WHERE prev_expires_at IS NOT NULL AND prev_expires_at <= @now
                """))
            {
                Db.Add(overlap, "now", now);
                await overlap.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return deleted;
    }

    public ValueTask DisposeAsync()
    {
        _ingest?.Dispose();
        return dialect.DisposeAsync();
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
