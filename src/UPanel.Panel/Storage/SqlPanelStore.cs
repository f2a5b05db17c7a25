using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Pages.Charts;
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
        latest_container_count, latest_cpu_percent, latest_ram_used_mb, latest_ram_total_mb, latest_disk_used_gb,
        latest_disk_total_gb, latest_load_1, latest_load_5, latest_load_15, latest_network_in_bytes, latest_network_out_bytes,
        latest_containers_unhealthy, latest_containers_exited, latest_containers_restarting
        """;

    // Where one panel owns the database (SQLite) every change to servers' tokens or settings is made below, and the cache
    // is always in use; where several panels share it (PostgreSQL), only while CredentialsListener hears of the others'.
    private readonly CredentialsCache _credentials = new(inUse: dialect.OnePanel);

    private long _credentialReads;

    // Where one panel owns the database (SQLite), every heartbeat is stored by this writer, which keeps the disk windows.
    private readonly (GroupCommit<HeartbeatIngest, IngestResult> Commit, HeartbeatWriter Writer, DiskWindows? DiskWindows) _ingest = Ingest(dialect);

    // Where statements are compiled per command (SQLite): the alert evaluation's reads on a connection kept open with
    // its statements compiled (docs/decisions/ingest-throughput.md, seventh pass).
    private readonly KeptConnectionSlot? _evaluationReads = dialect.KeepsStatements ? new KeptConnectionSlot(dialect) : null;

    private static (GroupCommit<HeartbeatIngest, IngestResult>, HeartbeatWriter, DiskWindows?) Ingest(SqlDialect dialect)
    {
        var windows = dialect.OnePanel ? new DiskWindows() : null;
        var writer = new HeartbeatWriter(dialect, windows);
        return (new(writer.WriteAsync, HeartbeatWriter.MaxBatch), writer, windows);
    }

    /// <summary>The agent tokens' credentials kept by token hash (driven by <see cref="CredentialsListener"/> on PostgreSQL).</summary>
    internal CredentialsCache Credentials => _credentials;

    /// <summary>Token look-ups that read the database since start (tests count them).</summary>
    internal long CredentialReads => Interlocked.Read(ref _credentialReads);

    /// <summary>The heartbeat writer behind the group commit (its connection, for tests).</summary>
    internal HeartbeatWriter Writer => _ingest.Writer;

    /// <summary>The disk forecast's windows kept in memory (SQLite); null where several panels share the database.</summary>
    internal DiskWindows? DiskWindows => _ingest.DiskWindows;

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

    // A registration repeated from the same machine gives its server a new token: the lost one must stop working.
    public Task<RegistrationResult> RegisterAsync(Registration registration, CancellationToken cancellationToken) =>
        ChangingCredentialsAsync(() => RegisterInDatabaseAsync(registration, cancellationToken));

    private async Task<RegistrationResult> RegisterInDatabaseAsync(Registration registration, CancellationToken cancellationToken)
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
        if (_credentials.Find(tokenHash) is { } kept)
        {
            return kept;
        }

        var generation = _credentials.Generation;
        var read = await ReadCredentialsAsync(tokenHash, cancellationToken);
        if (read is not null)
        {
            _credentials.Keep(tokenHash, read, generation);
        }

        return read;
    }

    private async Task<ServerCredentials?> ReadCredentialsAsync(string tokenHash, CancellationToken cancellationToken)
    {
        // The current token, then the previous one only when it is not that (a rotation's overlap, or a wrong token):
        // each read is one index, where "token_hash = @hash OR token_hash_prev = @hash" was a bitmap of both, a third
        // dearer to PostgreSQL at every heartbeat (docs/decisions/ingest-throughput.md, PostgreSQL, thirteenth pass).
        Interlocked.Increment(ref _credentialReads);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        return await ReadCredentialsAsync(connection, CurrentTokenSql, tokenHash, cancellationToken)
            ?? await ReadCredentialsAsync(connection, PreviousTokenSql, tokenHash, cancellationToken);
    }

    private const string CredentialsColumns = """
        SELECT id, token_hash, token_hash_prev, prev_expires_at, pending_token_sealed, next_heartbeat_seconds,
            target_agent_version, update_url
        FROM servers
        """;

    private const string CurrentTokenSql = CredentialsColumns + " WHERE token_hash = @hash";

    private const string PreviousTokenSql = CredentialsColumns + " WHERE token_hash_prev = @hash";

    private async Task<ServerCredentials?> ReadCredentialsAsync(DbConnection connection, string sql, string tokenHash, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, sql);
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

    public async Task<IngestResult> IngestAsync(HeartbeatIngest heartbeat, CancellationToken cancellationToken)
    {
        try
        {
            return await _ingest.Commit.WriteAsync(heartbeat, cancellationToken);
        }
        finally
        {
            // The new token's first use ended the previous one's overlap (committed with the heartbeat's batch).
            if (heartbeat.PromoteTokenHash is not null)
            {
                _credentials.Forget();
            }
        }
    }

    /// <summary>Runs a change to servers' tokens or settings, then forgets the credentials kept (after it committed, or failed).</summary>
    private async Task<T> ChangingCredentialsAsync<T>(Func<Task<T>> change)
    {
        try
        {
            return await change();
        }
        finally
        {
            _credentials.Forget();
        }
    }

    public async Task<IReadOnlyList<ServerRecord>> ListServersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {ServerColumns} FROM servers ORDER BY created_at, id");
        return await Db.ListAsync(command, ReadServer, cancellationToken);
    }

    public async Task<Alerts.DiskTrend> GetDiskTrendAsync(string serverId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var reads = await Reads.OpenAsync(dialect, together: false, cancellationToken);
        return await GetDiskTrendAsync(reads, serverId, from, to, cancellationToken);
    }

    public async Task<Alerts.DiskTrend> GetDiskTrendAsync(Reads reads, string serverId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        // One panel owns the database: the window kept in memory, read once and then added to by the writer, instead of
        // its rows visited again for each heartbeat's evaluation (docs/decisions/ingest-throughput.md, sixth pass).
        if (_ingest.DiskWindows is { } windows)
        {
            if (windows.TryTrend(serverId, from, to, out var kept))
            {
                return kept;
            }

            if (windows.Wants(serverId))
            {
                await SeedDiskWindowAsync(windows, serverId, from, cancellationToken);
                if (windows.TryTrend(serverId, from, to, out kept))
                {
                    return kept;
                }
            }
        }

        return await SumDiskTrendAsync(reads, serverId, from, to, cancellationToken);
    }

    /// <summary>
    /// Reads <paramref name="serverId"/>'s samples from <paramref name="from"/> on into <paramref name="windows"/>, under the
    /// write turn: no heartbeat commits between the read and the window being kept, and each one committed after it is
    /// added by the writer before it gives the turn back.
    /// </summary>
    private async Task SeedDiskWindowAsync(DiskWindows windows, string serverId, DateTimeOffset from, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT sample_at, disk_used_gb, disk_total_gb FROM heartbeats
            WHERE server_id = @server AND sample_at >= @from AND disk_used_gb IS NOT NULL AND disk_total_gb > 0
            """);
        Db.Add(command, "server", serverId);
        Db.Add(command, "from", from);
        var samples = new List<DiskWindows.Sample>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                samples.Add(new DiskWindows.Sample(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        windows.Seed(serverId, from, samples);
    }

    /// <summary>The window's sums as the database takes them (<see cref="DiskWindows"/> takes the same ones in memory).</summary>
    internal async Task<Alerts.DiskTrend> SumDiskTrendAsync(Reads reads, string serverId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        // The sums of the forecast's least-squares line, not the window's rows: the alert evaluation reads this for each
        // heartbeat, and a 6-hour window at a 60 s interval holds 360 rows (docs/decisions/ingest-throughput.md).
        const string Window = "server_id = @server AND sample_at >= @from AND sample_at < @to AND disk_used_gb IS NOT NULL AND disk_total_gb > 0";
        var command = reads.Command($"""
            SELECT COUNT(*) AS n, MIN(sample_at) AS first_at, MAX(sample_at) AS last_at,
                SUM(x) AS sum_x, SUM(y) AS sum_y, SUM(x * x) AS sum_xx, SUM(x * y) AS sum_xy,
                (SELECT disk_total_gb FROM heartbeats WHERE {Window} ORDER BY sample_at DESC LIMIT 1) AS latest_total
            FROM (SELECT sample_at, CAST(sample_at - @to AS DOUBLE PRECISION) / 3600000 AS x, CAST(disk_used_gb AS DOUBLE PRECISION) AS y
                FROM heartbeats WHERE {Window}) AS samples
            """);
        Db.Add(command, "server", serverId);
        Db.Add(command, "from", from);
        Db.Add(command, "to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var row = new Row(reader);
        var count = row.RequiredInt64("n");
        return count == 0
            ? default
            : new Alerts.DiskTrend(
                to, count, row.RequiredTime("first_at"), row.RequiredTime("last_at"), row.RequiredDouble("sum_x"), row.RequiredDouble("sum_y"),
                row.RequiredDouble("sum_xx"), row.RequiredDouble("sum_xy"), row.RequiredInt64("latest_total"));
    }

    public async Task<IReadOnlyList<HistorySlice>> GetHistoryAsync(
        string serverId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken)
    {
        // One statement, so both engines read the rollups and the raw heartbeats from one snapshot: a rollup committed
        // between two reads would show its samples twice or not at all. Ordered by the keys of the two indexes, so the
        // database merges two index scans instead of sorting 30 days of rollups by first_at (SQLite's temporary b-tree,
        // PostgreSQL's Sort); a rollup's first_at is in its step, so this is first_at order but for a late heartbeat
        // not rolled up yet beside its step's rollup, which the check below puts in place. Buckets of whole hours take
        // the hourly rollups: each holds its hour's 4-minute ones, so every rolled-up sample is read once either way.
        var hourly = bucket.Ticks % HistoryRollup.HourStep.Ticks == 0;
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT bucket_at AS sort_at, CAST(1 AS BIGINT) AS rolled, {RollupReadColumns} FROM {(hourly ? "heartbeat_rollups_hourly" : "heartbeat_rollups")}
            WHERE server_id = @server AND bucket_at > @from - @step AND bucket_at < @to
            UNION ALL
            SELECT sample_at, CAST(0 AS BIGINT), sample_at, sample_at, 1, network_in_bytes, network_out_bytes, network_in_bytes, network_out_bytes,
                {RawStat("cpu_percent")}, {RawStat("ram_used_mb")}, ram_total_mb, {RawStat("disk_used_gb")}, disk_total_gb,
                {RawStat("load_1")}, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL
            FROM heartbeats
            WHERE server_id = @server AND sample_at >= @from AND sample_at < @to
            ORDER BY sort_at
            """);
        Db.Add(command, "server", serverId);
        Db.Add(command, "from", from);
        Db.Add(command, "to", to);
        Db.Add(command, "step", hourly ? HistoryRollup.HourStepMs : HistoryRollup.StepMs);
        var narrow = dialect.NarrowRollups;
        var history = await Db.ListAsync(command, row => ReadSlice(row, narrow && row.RequiredInt64("rolled") != 0), cancellationToken);
        for (var i = 1; i < history.Count; i++)
        {
            if (history[i].FirstAtMs < history[i - 1].FirstAtMs)
            {
                return [.. history.OrderBy(s => s.FirstAtMs)];
            }
        }

        return history;
    }

    /// <summary>A raw column as a rollup's count, min, max and sum.</summary>
    private static string RawStat(string column) =>
        $"CASE WHEN {column} IS NULL THEN 0 ELSE 1 END, {column}, {column}, {column}";

    private const string RollupColumns = """
        first_at, last_at, samples, first_in, first_out, last_in, last_out,
        cpu_n, cpu_min, cpu_max, cpu_sum, ram_n, ram_min, ram_max, ram_sum, ram_total_max,
        disk_n, disk_min, disk_max, disk_sum, disk_total_max, load_n, load_min, load_max, load_sum,
        in_n, in_min, in_max, in_sum, out_n, out_min, out_max, out_sum
        """;

    /// <summary>
    /// <see cref="RollupColumns"/> as the reads take them: PostgreSQL keeps counts and RAM and disk extremes as integer,
    /// CPU and load extremes as real (migration 019), and Npgsql reads a column only as its own width.
    /// </summary>
    private const string RollupReadColumns = """
        first_at, last_at, CAST(samples AS BIGINT) AS samples, first_in, first_out, last_in, last_out,
        CAST(cpu_n AS BIGINT) AS cpu_n, CAST(cpu_min AS DOUBLE PRECISION) AS cpu_min, CAST(cpu_max AS DOUBLE PRECISION) AS cpu_max, cpu_sum,
        CAST(ram_n AS BIGINT) AS ram_n, CAST(ram_min AS DOUBLE PRECISION) AS ram_min, CAST(ram_max AS DOUBLE PRECISION) AS ram_max, ram_sum,
        CAST(ram_total_max AS DOUBLE PRECISION) AS ram_total_max,
        CAST(disk_n AS BIGINT) AS disk_n, CAST(disk_min AS DOUBLE PRECISION) AS disk_min, CAST(disk_max AS DOUBLE PRECISION) AS disk_max, disk_sum,
        CAST(disk_total_max AS DOUBLE PRECISION) AS disk_total_max,
        CAST(load_n AS BIGINT) AS load_n, CAST(load_min AS DOUBLE PRECISION) AS load_min, CAST(load_max AS DOUBLE PRECISION) AS load_max, load_sum,
        CAST(in_n AS BIGINT) AS in_n, in_min, in_max, in_sum, CAST(out_n AS BIGINT) AS out_n, out_min, out_max, out_sum
        """;

    /// <summary>
    /// A rollup or a raw heartbeat; <paramref name="narrow"/>: a rollup whose CPU and load extremes the engine keeps as
    /// 4-byte floats (PostgreSQL since migration 019), read back as the decimal that was written.
    /// </summary>
    private static HistorySlice ReadSlice(Row row, bool narrow) => new()
    {
        FirstAtMs = row.RequiredInt64("first_at"),
        LastAtMs = row.RequiredInt64("last_at"),
        Samples = row.RequiredInt64("samples"),
        FirstInBytes = row.Int64("first_in"),
        FirstOutBytes = row.Int64("first_out"),
        LastInBytes = row.Int64("last_in"),
        LastOutBytes = row.Int64("last_out"),
        Cpu = ReadStat(row, "cpu", narrow),
        RamUsedMb = ReadStat(row, "ram"),
        RamTotalMbMax = row.Double("ram_total_max"),
        DiskUsedGb = ReadStat(row, "disk"),
        DiskTotalGbMax = row.Double("disk_total_max"),
        Load1 = ReadStat(row, "load", narrow),
        InRate = ReadStat(row, "in"),
        OutRate = ReadStat(row, "out"),
    };

    private static Stat ReadStat(Row row, string metric, bool narrow = false) => row.RequiredInt64(metric + "_n") is var n and > 0
        ? new Stat(n, Extreme(row.RequiredDouble(metric + "_min"), narrow), Extreme(row.RequiredDouble(metric + "_max"), narrow), row.RequiredDouble(metric + "_sum"))
        : Stat.Empty;

    private static double Extreme(double value, bool single) => single ? Db.FromSingle(value) : value;

    public Task<int> RollUpAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        DeletingHeartbeatsAsync(() => RollUpInDatabaseAsync(before, cancellationToken));

    /// <summary>Runs what deletes heartbeats, then forgets the disk windows kept (after it committed, or failed).</summary>
    private async Task<T> DeletingHeartbeatsAsync<T>(Func<Task<T>> delete)
    {
        try
        {
            return await delete();
        }
        finally
        {
            _ingest.DiskWindows?.Forget();
        }
    }

    private async Task<int> RollUpInDatabaseAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = HistoryRollup.BucketOf(before.ToUnixTimeMilliseconds());
        var rolled = 0;
        foreach (var (serverId, gapSeconds) in await ListServerGapsAsync(cancellationToken))
        {
            int batch;
            do
            {
                batch = await RollUpBatchAsync(serverId, gapSeconds, cutoff, cancellationToken);
                rolled += batch;
            }
            while (batch > 0);
        }

        return rolled;
    }

    /// <summary>Hours of one server's raw history rolled up per transaction: a few milliseconds of SQLite's write lock.</summary>
    private static readonly long RollupBatchMs = (long)TimeSpan.FromHours(6).TotalMilliseconds;

    /// <summary>
    /// Rolls up the oldest whole steps (up to <see cref="RollupBatchMs"/>) of a server's raw heartbeats sampled before
    /// <paramref name="cutoffMs"/>: the rows are deleted and what they held is added to the rollups in one transaction,
    /// so a heartbeat is never lost between the two nor counted twice. Returns the heartbeats rolled up (0: none left).
    /// </summary>
    private async Task<int> RollUpBatchAsync(string serverId, int gapSeconds, long cutoffMs, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? oldest;
        await using (var first = Command(connection, transaction, "SELECT MIN(sample_at) FROM heartbeats WHERE server_id = @server"))
        {
            Db.Add(first, "server", serverId);
            oldest = await first.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : null;
        }

        if (oldest is not { } oldestMs || oldestMs >= cutoffMs)
        {
            return 0;
        }

        var fromMs = HistoryRollup.BucketOf(oldestMs);
        var untilMs = Math.Min(cutoffMs, fromMs + RollupBatchMs);
        var samples = new List<MetricSample>();
        await using (var take = Command(connection, transaction, """
            DELETE FROM heartbeats WHERE server_id = @server AND sample_at < @until
            RETURNING id, sample_at, cpu_percent, ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, network_in_bytes, network_out_bytes
            """))
        {
            Db.Add(take, "server", serverId);
            Db.Add(take, "until", untilMs);
            await using var reader = await take.ExecuteReaderAsync(cancellationToken);
            var row = new Row(reader);
            var ids = new List<long>();
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(row.RequiredInt64("id"));
                samples.Add(ReadSample(row));
            }

            // RETURNING comes in no set order; the rates need the samples in time order (row order breaking ties).
            var order = Enumerable.Range(0, samples.Count).OrderBy(i => samples[i].AtMs).ThenBy(i => ids[i]).ToArray();
            samples = [.. order.Select(i => samples[i])];
        }

        var rolled = HistoryRollup.Roll(samples, gapSeconds);
        var existing = new Dictionary<long, HistorySlice>();
        foreach (var (bucket, slice) in await ReadRollupsAsync(
            connection, transaction, "heartbeat_rollups", serverId, fromMs, untilMs, dialect.NarrowRollups, cancellationToken))
        {
            existing[bucket] = slice;
        }

        await WriteRollupsAsync(connection, transaction, "heartbeat_rollups", serverId,
            rolled.Select(r => (r.BucketAtMs, existing.TryGetValue(r.BucketAtMs, out var stored) ? HistoryRollup.Merge(stored, r.Slice) : r.Slice)),
            dialect.NarrowRollups, cancellationToken);
        await RollUpHoursAsync(connection, transaction, serverId, gapSeconds, fromMs, untilMs, dialect.NarrowRollups, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // An empty window (every row was deleted meanwhile) still moved on: report one so the caller looks again.
        return Math.Max(1, samples.Count);
    }

    /// <summary>
    /// Makes the hourly rollups of the hours that [<paramref name="fromMs"/>, <paramref name="untilMs"/>) touches those
    /// hours' 4-minute rollups rolled up once more (none where an hour has none left), in the caller's transaction: so an
    /// hourly rollup always holds exactly what its hour's 4-minute ones hold.
    /// </summary>
    private static async Task RollUpHoursAsync(
        DbConnection connection, DbTransaction transaction, string serverId, int gapSeconds, long fromMs, long untilMs, bool narrow,
        CancellationToken cancellationToken)
    {
        var hourFrom = HistoryRollup.BucketOf(fromMs, HistoryRollup.HourStepMs);
        var hourUntil = HistoryRollup.BucketOf(untilMs - 1, HistoryRollup.HourStepMs) + HistoryRollup.HourStepMs;
        var steps = await ReadRollupsAsync(connection, transaction, "heartbeat_rollups", serverId, hourFrom, hourUntil, narrow, cancellationToken);
        await using (var clear = Command(connection, transaction,
            "DELETE FROM heartbeat_rollups_hourly WHERE server_id = @server AND bucket_at >= @from AND bucket_at < @until"))
        {
            Db.Add(clear, "server", serverId);
            Db.Add(clear, "from", hourFrom);
            Db.Add(clear, "until", hourUntil);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        var hours = HistoryRollup.Roll([.. steps.Select(s => s.Slice)], HistoryRollup.HourStepMs, gapSeconds);
        await WriteRollupsAsync(connection, transaction, "heartbeat_rollups_hourly", serverId, hours, narrow, cancellationToken);
    }

    /// <summary>A server's rollups of <paramref name="table"/> whose step starts in [<paramref name="fromMs"/>, <paramref name="untilMs"/>), in time order.</summary>
    private static async Task<List<(long BucketAtMs, HistorySlice Slice)>> ReadRollupsAsync(
        DbConnection connection, DbTransaction transaction, string table, string serverId, long fromMs, long untilMs, bool narrow,
        CancellationToken cancellationToken)
    {
        await using var read = Command(connection, transaction, $"""
            SELECT bucket_at, {RollupReadColumns} FROM {table} WHERE server_id = @server AND bucket_at >= @from AND bucket_at < @until
            ORDER BY bucket_at
            """);
        Db.Add(read, "server", serverId);
        Db.Add(read, "from", fromMs);
        Db.Add(read, "until", untilMs);
        return await Db.ListAsync(read, row => (row.RequiredInt64("bucket_at"), ReadSlice(row, narrow)), cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="rollups"/> into <paramref name="table"/>, each replacing the server's row of its step;
    /// <paramref name="narrow"/>: into PostgreSQL's columns of migration 019, each value as that column keeps it, so no
    /// cast can fail (a CPU of 1e-50 is a float's 0, not an underflow error; RAM past integer's range is cut to it).
    /// </summary>
    internal static async Task WriteRollupsAsync(
        DbConnection connection, DbTransaction transaction, string table, string serverId, IEnumerable<(long BucketAtMs, HistorySlice Slice)> rollups,
        bool narrow, CancellationToken cancellationToken)
    {
        await using var upsert = Command(connection, transaction, $"""
            INSERT INTO {table} (server_id, bucket_at, {RollupColumns})
            VALUES (@server, @bucket, @first_at, @last_at, @samples, @first_in, @first_out, @last_in, @last_out,
                @cpu_n, @cpu_min, @cpu_max, @cpu_sum, @ram_n, @ram_min, @ram_max, @ram_sum, @ram_total_max,
                @disk_n, @disk_min, @disk_max, @disk_sum, @disk_total_max, @load_n, @load_min, @load_max, @load_sum,
                @in_n, @in_min, @in_max, @in_sum, @out_n, @out_min, @out_max, @out_sum)
            ON CONFLICT (server_id, bucket_at) DO UPDATE SET
                first_at = excluded.first_at, last_at = excluded.last_at, samples = excluded.samples,
                first_in = excluded.first_in, first_out = excluded.first_out, last_in = excluded.last_in, last_out = excluded.last_out,
                cpu_n = excluded.cpu_n, cpu_min = excluded.cpu_min, cpu_max = excluded.cpu_max, cpu_sum = excluded.cpu_sum,
                ram_n = excluded.ram_n, ram_min = excluded.ram_min, ram_max = excluded.ram_max, ram_sum = excluded.ram_sum,
                ram_total_max = excluded.ram_total_max,
                disk_n = excluded.disk_n, disk_min = excluded.disk_min, disk_max = excluded.disk_max, disk_sum = excluded.disk_sum,
                disk_total_max = excluded.disk_total_max,
                load_n = excluded.load_n, load_min = excluded.load_min, load_max = excluded.load_max, load_sum = excluded.load_sum,
                in_n = excluded.in_n, in_min = excluded.in_min, in_max = excluded.in_max, in_sum = excluded.in_sum,
                out_n = excluded.out_n, out_min = excluded.out_min, out_max = excluded.out_max, out_sum = excluded.out_sum
            """);
        Db.Declare(upsert, "server", DbType.String);
        Db.Declare(upsert, "bucket", DbType.Int64);
        foreach (var name in new[] { "first_at", "last_at", "samples", "first_in", "first_out", "last_in", "last_out" })
        {
            Db.Declare(upsert, name, DbType.Int64);
        }

        foreach (var metric in new[] { "cpu", "ram", "disk", "load", "in", "out" })
        {
            Db.Declare(upsert, metric + "_n", DbType.Int64);
            Db.Declare(upsert, metric + "_min", DbType.Double);
            Db.Declare(upsert, metric + "_max", DbType.Double);
            Db.Declare(upsert, metric + "_sum", DbType.Double);
        }

        Db.Declare(upsert, "ram_total_max", DbType.Double);
        Db.Declare(upsert, "disk_total_max", DbType.Double);
        Db.Set(upsert, "server", serverId);
        foreach (var (bucket, slice) in rollups)
        {
            Db.Set(upsert, "bucket", bucket);
            Db.Set(upsert, "first_at", slice.FirstAtMs);
            Db.Set(upsert, "last_at", slice.LastAtMs);
            Db.Set(upsert, "samples", slice.Samples);
            Db.Set(upsert, "first_in", slice.FirstInBytes);
            Db.Set(upsert, "first_out", slice.FirstOutBytes);
            Db.Set(upsert, "last_in", slice.LastInBytes);
            Db.Set(upsert, "last_out", slice.LastOutBytes);
            SetStat(upsert, "cpu", narrow ? Single(slice.Cpu) : slice.Cpu);
            SetStat(upsert, "ram", narrow ? Integer(slice.RamUsedMb) : slice.RamUsedMb);
            SetStat(upsert, "disk", narrow ? Integer(slice.DiskUsedGb) : slice.DiskUsedGb);
            SetStat(upsert, "load", narrow ? Single(slice.Load1) : slice.Load1);
            SetStat(upsert, "in", slice.InRate);
            SetStat(upsert, "out", slice.OutRate);
            Db.Set(upsert, "ram_total_max", narrow ? Integer(slice.RamTotalMbMax) : slice.RamTotalMbMax);
            Db.Set(upsert, "disk_total_max", narrow ? Integer(slice.DiskTotalGbMax) : slice.DiskTotalGbMax);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static Stat Single(Stat stat) => stat with { Min = (float)stat.Min, Max = (float)stat.Max };

    private static Stat Integer(Stat stat) => stat with { Min = Integer(stat.Min), Max = Integer(stat.Max) };

    private static double Integer(double value) => Math.Clamp(value, int.MinValue, int.MaxValue);

    private static double? Integer(double? value) => value is { } v ? Integer(v) : null;

    private static void SetStat(DbCommand command, string metric, Stat stat)
    {
        Db.Set(command, metric + "_n", stat.N);
        Db.Set(command, metric + "_min", stat.N > 0 ? stat.Min : null);
        Db.Set(command, metric + "_max", stat.N > 0 ? stat.Max : null);
        Db.Set(command, metric + "_sum", stat.N > 0 ? stat.Sum : null);
    }

    private static MetricSample ReadSample(Row row) => new(
        row.RequiredInt64("sample_at"),
        row.Double("cpu_percent"),
        row.Int64("ram_used_mb"),
        row.Int64("ram_total_mb"),
        row.Int64("disk_used_gb"),
        row.Int64("disk_total_gb"),
        row.Double("load_1"),
        row.Int64("network_in_bytes"),
        row.Int64("network_out_bytes"));

    public ValueTask<Reads> BeginReadsAsync(CancellationToken cancellationToken) =>
        _evaluationReads is { } kept ? Reads.OpenAsync(dialect, kept, cancellationToken) : Reads.OpenAsync(dialect, together: true, cancellationToken);

    public async Task<ServerRecord?> GetServerAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var reads = await Reads.OpenAsync(dialect, together: false, cancellationToken);
        var command = reads.Command($"SELECT {ServerColumns} FROM servers WHERE id = @id");
        Db.Add(command, "id", serverId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadServer(new Row(reader)) : null;
    }

    public async Task<EvaluatedServer?> GetEvaluatedServerAsync(Reads reads, string serverId, long knownStateVersion, CancellationToken cancellationToken)
    {
        // One statement for what were five (docs/decisions/ingest-throughput.md, tenth pass); each subquery is one look-up in
        // its table's index on the server (alert_rules by scope, token_failures and alert_mutes by server and time).
        var command = reads.Command("""
            SELECT s.cpu_cores, s.registered_agent_version, s.next_heartbeat_seconds, s.target_agent_version, s.last_seen_at,
                s.revoked_at, s.latest_sample_at, s.latest_seq, s.latest_agent_version,
                a.version AS state_version, CASE WHEN a.version = @known THEN NULL ELSE a.state END AS state,
                (SELECT settings FROM alert_rules WHERE scope = @panel) AS panel_rules,
                (SELECT settings FROM alert_rules WHERE scope = s.id) AS server_rules,
                (SELECT MAX(at) FROM token_failures WHERE server_id = s.id) AS token_failure_at,
                (SELECT MAX(until) FROM alert_mutes WHERE server_id = s.id) AS mute_until
            FROM servers s LEFT JOIN alert_state a ON a.server_id = s.id
            WHERE s.id = @id
            """);
        Db.Add(command, "id", serverId);
        Db.Add(command, "known", knownStateVersion);
        Db.Add(command, "panel", Alerts.AlertStore.PanelScope);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = new Row(reader);
        return new EvaluatedServer
        {
            CpuCores = row.RequiredInt64("cpu_cores"),
            RegisteredAgentVersion = row.RequiredString("registered_agent_version"),
            NextHeartbeatSeconds = (int)row.RequiredInt64("next_heartbeat_seconds"),
            TargetAgentVersion = row.String("target_agent_version"),
            LastSeenAt = row.Time("last_seen_at"),
            RevokedAt = row.Time("revoked_at"),
            LatestSampleAt = row.Time("latest_sample_at"),
            LatestSeq = row.Int64("latest_seq"),
            LatestAgentVersion = row.String("latest_agent_version"),
            StateVersion = row.Int64("state_version") ?? 0,
            StateJson = row.String("state"),
            PanelRules = row.String("panel_rules"),
            ServerRules = row.String("server_rules"),
            LatestTokenFailureAt = row.Time("token_failure_at"),
            LatestMuteUntil = row.Time("mute_until"),
        };
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
        // Every stored heartbeat has metrics: a latest sample means the columns hold its numbers (null where it had none).
        LatestMetrics = row.IsNull("latest_sample_at") ? null : new HostMetrics
        {
            CpuPercent = row.Double("latest_cpu_percent"),
            RamUsedMb = row.Int64("latest_ram_used_mb"),
            RamTotalMb = row.Int64("latest_ram_total_mb"),
            DiskUsedGb = row.Int64("latest_disk_used_gb"),
            DiskTotalGb = row.Int64("latest_disk_total_gb"),
            LoadAverage = row.Double("latest_load_1") is { } load1
                ? [load1, row.RequiredDouble("latest_load_5"), row.RequiredDouble("latest_load_15")]
                : null,
            NetworkInBytes = row.Int64("latest_network_in_bytes"),
            NetworkOutBytes = row.Int64("latest_network_out_bytes"),
        },
        LatestContainerCounts = new(
            (int)row.RequiredInt64("latest_containers_unhealthy"),
            (int)row.RequiredInt64("latest_containers_exited"),
            (int)row.RequiredInt64("latest_containers_restarting")),
    };

    public async Task<Heartbeat?> GetLatestHeartbeatAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var reads = await Reads.OpenAsync(dialect, together: false, cancellationToken);
        return await GetLatestHeartbeatAsync(reads, serverId, cancellationToken);
    }

    public async Task<Heartbeat?> GetLatestHeartbeatAsync(Reads reads, string serverId, CancellationToken cancellationToken)
    {
        var command = reads.Command("SELECT latest_heartbeat FROM servers WHERE id = @id");
        Db.Add(command, "id", serverId);
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize(json, ContractsJsonContext.Default.Heartbeat)
            : null;
    }

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

    public Task<bool> RotateTokenAsync(string serverId, string newTokenHash, string? sealedToken, DateTimeOffset now, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken) =>
        ChangingCredentialsAsync(() => RotateTokenInDatabaseAsync(serverId, newTokenHash, sealedToken, now, previousExpiresAt, cancellationToken));

    private async Task<bool> RotateTokenInDatabaseAsync(string serverId, string newTokenHash, string? sealedToken, DateTimeOffset now, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken)
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

    public Task<bool> RevokeAsync(string serverId, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangingCredentialsAsync(() => RevokeInDatabaseAsync(serverId, now, cancellationToken));

    private async Task<bool> RevokeInDatabaseAsync(string serverId, DateTimeOffset now, CancellationToken cancellationToken)
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

    public Task<bool> UpdateSettingsAsync(string serverId, ServerSettings settings, CancellationToken cancellationToken) =>
        ChangingCredentialsAsync(() => UpdateSettingsInDatabaseAsync(serverId, settings, cancellationToken));

    private async Task<bool> UpdateSettingsInDatabaseAsync(string serverId, ServerSettings settings, CancellationToken cancellationToken)
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

    public Task<int> PruneAsync(DateTimeOffset now, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        ChangingCredentialsAsync(() => DeletingHeartbeatsAsync(() => PruneInDatabaseAsync(now, cutoff, cancellationToken)));

    private async Task<int> PruneInDatabaseAsync(DateTimeOffset now, DateTimeOffset cutoff, CancellationToken cancellationToken)
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

        // Rollups and container states server by server, along their primary keys: one DELETE over every server's
        // would scan the whole table. The hourly rollups go up to the cutoff's hour; that hour's is rolled up again
        // from the 4-minute rollups left in it, so it holds what they hold.
        var stepCutoff = HistoryRollup.BucketOf(cutoff.ToUnixTimeMilliseconds());
        var hourCutoff = HistoryRollup.BucketOf(stepCutoff, HistoryRollup.HourStepMs);
        foreach (var (serverId, gapSeconds) in await ListServerGapsAsync(cancellationToken))
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            using var turn = await dialect.WriteTurnAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var rollups = Command(connection, transaction,
                "DELETE FROM heartbeat_rollups WHERE server_id = @server AND bucket_at < @cutoff RETURNING CAST(samples AS BIGINT) AS samples");
            Db.Add(rollups, "server", serverId);
            Db.Add(rollups, "cutoff", stepCutoff);
            var samples = await Db.ListAsync(rollups, row => row.RequiredInt64("samples"), cancellationToken);
            deleted += (int)samples.Sum();

            await using var hours = Command(connection, transaction, "DELETE FROM heartbeat_rollups_hourly WHERE server_id = @server AND bucket_at < @cutoff");
            Db.Add(hours, "server", serverId);
            Db.Add(hours, "cutoff", hourCutoff);
            await hours.ExecuteNonQueryAsync(cancellationToken);
            if (samples.Count > 0 && stepCutoff > hourCutoff)
            {
                await RollUpHoursAsync(connection, transaction, serverId, gapSeconds, hourCutoff, stepCutoff, dialect.NarrowRollups, cancellationToken);
            }

            await using var states = Command(connection, transaction, "DELETE FROM container_states WHERE server_id = @server AND at < @cutoff");
            Db.Add(states, "server", serverId);
            Db.Add(states, "cutoff", cutoff);
            await states.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

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

    /// <summary>Every server with the longest pause between two of its heartbeats that still gives a network rate (3 intervals).</summary>
    private async Task<List<(string Id, int GapSeconds)>> ListServerGapsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var list = Command(connection, null, "SELECT id, next_heartbeat_seconds FROM servers ORDER BY id");
        return await Db.ListAsync(list, row => (row.RequiredString("id"), 3 * (int)row.RequiredInt64("next_heartbeat_seconds")), cancellationToken);
    }

    public ValueTask<IAsyncDisposable?> TryLockRetentionAsync(CancellationToken cancellationToken) =>
        dialect.LockAsync(PanelLock.Retention, wait: false, cancellationToken);

    public Task<HistoryIndexPass> CompactHistoryIndexesAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        dialect.CompactHistoryIndexesAsync(now, logger, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _ingest.Commit.Dispose();
        await _ingest.Writer.DisposeAsync();
        // The kept connection first: the dialect then clears SQLite's pools, which close only connections given back.
        if (_evaluationReads is not null)
        {
            await _evaluationReads.DisposeAsync();
        }

        await dialect.DisposeAsync();
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
