using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// The SQLite heartbeat writer on a connection of its own (docs/decisions/ingest-throughput.md, thirteenth pass): the same
/// connection batch after batch, whatever the pool hands out meanwhile, so the pages it read stay in its cache (SQLite
/// drops a connection's cache only when another connection committed), with a larger cache than a pooled connection's.
/// </summary>
public sealed class SqliteHeartbeatWriterTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task The_writer_keeps_one_connection_whose_page_cache_outlives_its_batches()
    {
        var cancel = TestContext.Current.CancellationToken;
        var servers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            servers.Add((await Panel.NewServerAsync()).ServerId);
        }

        var now = Panel.Time.GetUtcNow();
        List<HeartbeatIngest> Batch(int seq) =>
            [.. servers.Select((server, i) => Panel.NewIngest(server, $"01JKEPTWRITER{seq:D6}{i:D7}", now.AddSeconds(seq - 10), seq))];
        await using var dialect = new SqliteDialect(fixture.Options.SqlitePath);
        await using var writer = new HeartbeatWriter(dialect);

        await writer.WriteAsync(Batch(1));
        var connection = writer.Connection!;
        var first = CacheMisses(connection);
        // A pooled connection held meanwhile, as a request's reads hold one: a writer that took whichever pooled
        // connection was free would get another one, with a cold cache, for the next batch.
        await using (var held = await dialect.OpenAsync(cancel))
        {
            var results = await writer.WriteAsync(Batch(2));
            Assert.All(results, result => Assert.Equal(IngestOutcome.StoredAsLatest, result.Outcome));
        }

        Assert.Same(connection, writer.Connection);
        var second = CacheMisses(connection);
        // The second batch touches the same rows and index pages as the first: read once, kept (a new page at the
        // end of a table or index is allocated, not read).
        Assert.True(second <= 2 && second < first, $"the second batch read {second} pages, the first {first}");
        Assert.Equal((long)-SqliteDialect.WriterCacheKib, await CacheSizeAsync(connection, cancel));
    }

    [Fact]
    public async Task After_a_failed_batch_the_writer_stores_the_next_on_a_new_connection()
    {
        var server = (await Panel.NewServerAsync()).ServerId;
        var now = Panel.Time.GetUtcNow();
        await using var dialect = new SqliteDialect(fixture.Options.SqlitePath);
        await using var writer = new HeartbeatWriter(dialect);
        await writer.WriteAsync([Panel.NewIngest(server, "01JKEPTFAIL000000000000001", now.AddSeconds(-3), 1)]);
        var before = writer.Connection!;

        // A real failure inside the engine (a trigger refuses the row): the batch fails, its transaction is rolled back
        // and its connection closed.
        await fixture.ExecuteAsync("CREATE TRIGGER test_kept_poison BEFORE INSERT ON heartbeats WHEN NEW.heartbeat_id LIKE 'poison%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
        try
        {
            await Assert.ThrowsAsync<SqliteException>(() => writer.WriteAsync([Panel.NewIngest(server, "poison-01JKEPTFAIL0000000002", now.AddSeconds(-2), 2)]));
        }
        finally
        {
            await fixture.ExecuteAsync("DROP TRIGGER test_kept_poison");
        }

        Assert.Null(writer.Connection);
        Assert.Equal(System.Data.ConnectionState.Closed, before.State);
        var results = await writer.WriteAsync([Panel.NewIngest(server, "01JKEPTFAIL000000000000003", now.AddSeconds(-1), 3)]);

        Assert.Equal(IngestOutcome.StoredAsLatest, results.Single().Outcome);
        Assert.NotSame(before, writer.Connection);
    }

    [Fact]
    public async Task The_writer_begins_and_commits_its_batches_with_statements_compiled_once_with_its_connection()
    {
        // Microsoft.Data.Sqlite's BeginTransaction and Commit compile "BEGIN IMMEDIATE" and "COMMIT" at every batch and
        // finalize them after it; the writer keeps its own, compiled when its connection opens, as its other statements
        // (docs/decisions/ingest-throughput.md, sixteenth pass).
        var server = (await Panel.NewServerAsync()).ServerId;
        var now = Panel.Time.GetUtcNow();
        await using var dialect = new SqliteDialect(fixture.Options.SqlitePath);
        await using var writer = new HeartbeatWriter(dialect);

        await writer.WriteAsync([Panel.NewIngest(server, "01JRAWTXN00000000000000001", now.AddSeconds(-2), 1)]);
        var first = CompiledStatements(writer.Connection!);
        var results = await writer.WriteAsync([Panel.NewIngest(server, "01JRAWTXN00000000000000002", now.AddSeconds(-1), 2)]);

        Assert.Equal(IngestOutcome.StoredAsLatest, results.Single().Outcome);
        Assert.Contains("BEGIN IMMEDIATE", first.Values);
        Assert.Contains("COMMIT", first.Values);
        Assert.Contains("ROLLBACK", first.Values);
        // The same compiled statements, none compiled or finalized by the second batch.
        Assert.Equal(first, CompiledStatements(writer.Connection!));
        // And no transaction left open between batches.
        Assert.NotEqual(0, raw.sqlite3_get_autocommit(writer.Connection!.Handle));
    }

    [Fact]
    public async Task A_batch_whose_commit_fails_is_rolled_back_unacknowledged_and_the_next_goes_on_a_new_connection()
    {
        // A failure at COMMIT itself (a deferred foreign key, checked there), after every statement of the batch ran: SQLite
        // keeps the transaction open, the writer rolls it back and drops the connection, and no heartbeat is acknowledged.
        var server = (await Panel.NewServerAsync()).ServerId;
        var now = Panel.Time.GetUtcNow();
        await using var dialect = new SqliteDialect(fixture.Options.SqlitePath);
        await using var writer = new HeartbeatWriter(dialect);
        await writer.WriteAsync([Panel.NewIngest(server, "01JCOMMITFAIL0000000000001", now.AddSeconds(-3), 1)]);
        var before = writer.Connection!;
        await fixture.ExecuteAsync("""
            CREATE TABLE test_late (server_id TEXT REFERENCES servers (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TRIGGER test_late_poison AFTER INSERT ON heartbeats WHEN NEW.heartbeat_id LIKE 'late-poison%'
            BEGIN INSERT INTO test_late (server_id) VALUES ('srv_no_such_server'); END;
            """);
        try
        {
            var failed = await Assert.ThrowsAsync<SqliteException>(() => writer.WriteAsync([
                Panel.NewIngest(server, "01JCOMMITFAIL0000000000002", now.AddSeconds(-2), 2),
                Panel.NewIngest(server, "late-poison-01JCOMMITFAIL003", now.AddSeconds(-1), 3)]));
            Assert.Equal(raw.SQLITE_CONSTRAINT, failed.SqliteErrorCode);
        }
        finally
        {
            await fixture.ExecuteAsync("DROP TRIGGER test_late_poison; DROP TABLE test_late;");
        }

        Assert.Null(writer.Connection);
        Assert.Equal(System.Data.ConnectionState.Closed, before.State);
        Assert.Equal([1L], (await Panel.Store.GetHeartbeatsAsync(server, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value));
        var results = await writer.WriteAsync([Panel.NewIngest(server, "01JCOMMITFAIL0000000000004", now, 4)]);

        Assert.Equal(IngestOutcome.StoredAsLatest, results.Single().Outcome);
        Assert.Equal([4L, 1L], (await Panel.Store.GetHeartbeatsAsync(server, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value));
    }

    /// <summary>
    /// The statements compiled on the connection now: each one's handle and text, from SQLite's own list (SQLitePCLRaw's
    /// <c>sqlite3_next_stmt</c> refuses unless enabled when the connection opened, so SQLite is called directly).
    /// </summary>
    private static Dictionary<nint, string> CompiledStatements(SqliteConnection connection)
    {
        var db = connection.Handle!.DangerousGetHandle();
        var statements = new Dictionary<nint, string>();
        for (var statement = Native.sqlite3_next_stmt(db, 0); statement != 0; statement = Native.sqlite3_next_stmt(db, statement))
        {
            statements[statement] = Marshal.PtrToStringUTF8(Native.sqlite3_sql(statement))!;
        }

        return statements;
    }

    private static class Native
    {
        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        public static extern nint sqlite3_next_stmt(nint db, nint statement);

        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        public static extern nint sqlite3_sql(nint statement);
    }

    /// <summary>Pages the connection read from the file or the log since the last call (SQLite's own count, reset by reading it).</summary>
    private static int CacheMisses(SqliteConnection connection)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_db_status(connection.Handle, raw.SQLITE_DBSTATUS_CACHE_MISS, out var misses, out _, 1), connection.Handle);
        return misses;
    }

    private static async Task<long> CacheSizeAsync(SqliteConnection connection, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA cache_size";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancel), System.Globalization.CultureInfo.InvariantCulture);
    }
}
