using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Storage;

/// <summary>
/// Keeps PostgreSQL's history indexes near the size their rows need (docs/decisions/history-index-rebuild.md). The
/// panel adds each server's rows at the end of that server's key range, in the middle of the B-tree, so a full leaf
/// splits in half and the left half never fills again: a long-running panel's per-server indexes reach 1.9 to 2.4
/// times their rebuilt size. Run by retention (one panel at a time): an index grown past <see cref="Threshold"/> times
/// an estimate of its rebuilt size is rebuilt with <c>REINDEX INDEX CONCURRENTLY</c> (heartbeats go on being stored),
/// at most once per <see cref="Period"/>; what an interrupted rebuild left (an invalid <c>_ccnew</c> or <c>_ccold</c>
/// index, which PostgreSQL would otherwise keep updating forever) is dropped first.
/// </summary>
internal static class HistoryIndexes
{
    /// <summary>Rebuilt when this many times the estimate: a fresh index estimates at about 1.02.</summary>
    public const double Threshold = 1.25;

    /// <summary>Left alone when it would give back less than this (small tables, tests' databases).</summary>
    public const long MinimumExcessBytes = 1 << 20;

    /// <summary>
    /// At most one rebuild of an index per period, whatever the estimate says: the raw heartbeats' indexes pass the
    /// threshold again about 4 hours after a rebuild (their rows all change in 25 hours), the rollups' after about 7 days.
    /// </summary>
    public static readonly TimeSpan Period = TimeSpan.FromHours(6);

    /// <summary>How long one rebuild or drop may take, waits included.</summary>
    public static readonly TimeSpan RebuildTimeout = TimeSpan.FromMinutes(30);

    private const string RebuiltSettingPrefix = "history_index_rebuilt:";

    /// <summary>
    /// Every B-tree index of the history tables with its size and what it would take rebuilt: the rows (the table's
    /// density at its last VACUUM or ANALYZE times its pages now, as the planner counts them) and the width of a key
    /// (the columns' average widths from <c>pg_stats</c>). No <c>pgstattuple</c> needed. A leftover is an invalid index
    /// named as REINDEX CONCURRENTLY names its copies, that no index build is working on now.
    /// </summary>
    private const string IndexesSql = """
        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified, c.relname AS name,
            NOT i.indisvalid AND c.relname ~ '_cc(new|old)[0-9]*$'
                AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.relid = i.indrelid) AS leftover,
            pg_relation_size(c.oid) AS bytes,
            CASE WHEN t.reltuples >= 0 AND t.relpages > 0
                THEN CAST(t.reltuples AS double precision) / t.relpages * (pg_relation_size(t.oid) / current_setting('block_size')::int) END AS tuples,
            w.width, w.known = i.indnatts AS widths_known,
            coalesce((SELECT CAST(option_value AS bigint) FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'), 90) AS fillfactor,
            CAST(current_setting('block_size') AS bigint) AS block
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
        CROSS JOIN LATERAL (
            SELECT count(s.avg_width) AS known, CAST(coalesce(sum(s.avg_width * (1 - s.null_frac)), 0) AS double precision) AS width
            FROM unnest(CAST(i.indkey AS int2[])) AS k(attnum)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname AND NOT s.inherited) w
        WHERE i.indrelid IN (to_regclass('heartbeats'), to_regclass('heartbeat_rollups'), to_regclass('heartbeat_rollups_hourly'),
            to_regclass('container_states'))
        ORDER BY c.relname
        """;

    /// <summary>Drops the leftovers, then rebuilds what has grown past the threshold (see the class summary), logging each as it is done.</summary>
    public static async Task<HistoryIndexPass> CompactAsync(SqlDialect dialect, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        var checkedIndexes = new List<HistoryIndex>();
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var indexes = await ReadAsync(connection, cancellationToken);
        var lastRebuilt = await LastRebuiltAsync(connection, cancellationToken);
        foreach (var index in indexes.Where(i => i.Leftover))
        {
            // Outside a transaction, as REINDEX CONCURRENTLY itself: it waits for the table's writers, never blocks them.
            await ExecuteAsync(connection, $"DROP INDEX CONCURRENTLY IF EXISTS {index.Qualified}", cancellationToken);
            dropped.Add(index.Name);
            Log.IndexLeftoverDropped(logger, index.Name);
        }

        foreach (var index in indexes.Where(i => !i.Leftover))
        {
            var needed = index.RebuiltBytesEstimate();
            var due = !lastRebuilt.TryGetValue(index.Name, out var at) || now - at >= Period;
            if (needed is not { } neededBytes || !due || index.Bytes < Threshold * neededBytes || index.Bytes - neededBytes < MinimumExcessBytes)
            {
                checkedIndexes.Add(new HistoryIndex(index.Name, index.Bytes, needed, null));
                Log.IndexLeft(logger, index.Name, index.Bytes, needed);
                continue;
            }

            var watch = Stopwatch.StartNew();
            await ExecuteAsync(connection, $"REINDEX INDEX CONCURRENTLY {index.Qualified}", cancellationToken);
            var took = watch.Elapsed;
            await using (var record = connection.CreateCommand())
            {
                record.CommandText = "INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
                Db.Add(record, "key", RebuiltSettingPrefix + index.Name);
                Db.Add(record, "value", now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            var after = await SizeAsync(connection, index.Qualified, cancellationToken);
            checkedIndexes.Add(new HistoryIndex(index.Name, index.Bytes, needed, after));
            Log.IndexRebuilt(logger, index.Name, index.Bytes, (double)index.Bytes / neededBytes, neededBytes, after, (long)took.TotalMilliseconds);
        }

        return new HistoryIndexPass(dropped, checkedIndexes);
    }

    private static async Task<List<IndexRow>> ReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = IndexesSql;
        return await Db.ListAsync(command, row => new IndexRow(
            row.RequiredString("qualified"),
            row.RequiredString("name"),
            row.RequiredBool("leftover"),
            row.RequiredInt64("bytes"),
            row.Double("tuples"),
            row.RequiredDouble("width"),
            row.RequiredBool("widths_known"),
            row.RequiredInt64("fillfactor"),
            row.RequiredInt64("block")), cancellationToken);
    }

    private static async Task<Dictionary<string, DateTimeOffset>> LastRebuiltAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value FROM settings WHERE key LIKE @prefix";
        Db.Add(command, "prefix", RebuiltSettingPrefix + "%");
        var rows = await Db.ListAsync(command, row => (Key: row.RequiredString("key"), Value: row.RequiredString("value")), cancellationToken);
        var rebuilt = new Dictionary<string, DateTimeOffset>();
        foreach (var (key, value) in rows)
        {
            if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
            {
                rebuilt[key[RebuiltSettingPrefix.Length..]] = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }
        }

        return rebuilt;
    }

    private static async Task<long> SizeAsync(DbConnection connection, string qualified, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_relation_size(to_regclass(@name))";
        Db.Add(command, "name", qualified);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        // A rebuild reads the whole table twice (a minute or two for a large fleet's rollups, far past the default 30 s),
        // and first waits for transactions older than it. Bounded all the same, so a session left idle in a transaction
        // cannot hold retention up for good: cancelled, it leaves an invalid copy that the next run drops.
        command.CommandTimeout = (int)RebuildTimeout.TotalSeconds;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record IndexRow(
        string Qualified, string Name, bool Leftover, long Bytes, double? Tuples, double Width, bool WidthsKnown, long Fillfactor, long Block)
    {
        /// <summary>
        /// What <c>CREATE INDEX</c> would make of the rows: leaves filled to the fill factor (90 by default), inner pages
        /// to 70 % (nbtree's own), one metapage. A key is the tuple header (8 bytes) and its columns, aligned to 8, plus
        /// its 4-byte line pointer; a page holds 8,152 of its 8,192 bytes. Null without statistics to go by.
        /// </summary>
        public long? RebuiltBytesEstimate()
        {
            if (Tuples is not { } tuples || !WidthsKnown)
            {
                return null;
            }

            var key = (Math.Ceiling((8 + Width) / 8) * 8) + 4;
            var room = Block - 24 - 16;
            var leafKeys = Math.Max(1, Math.Floor(room * Fillfactor / 100.0 / key));
            var innerKeys = Math.Max(2, Math.Floor(room * 0.70 / key));
            var leaves = Math.Max(1, Math.Ceiling(tuples / leafKeys));
            var inner = leaves > 1 ? Math.Ceiling(leaves / innerKeys) : 0;
            return (long)((leaves + inner + 1) * Block);
        }
    }
}
