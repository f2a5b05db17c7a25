using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace UPanel.Panel.Storage;

/// <summary>
/// One statement of the SQLite heartbeat writer, compiled on the batch's connection and run row after row through SQLite's
/// own calls: each value bound straight to its parameter's index (found once, at compile time), the statement stepped and
/// reset. Microsoft.Data.Sqlite, for every execution, looks each parameter up by name in the statement (a UTF-8 copy of the
/// name per look-up), allocates a binder per parameter, and builds an enumerator and a data reader per statement
/// (docs/decisions/ingest-throughput.md, tenth pass). Runs inside the connection's transaction as any of its commands do;
/// disposed (finalized) before the connection goes back to the pool.
/// </summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);

    /// <param name="sql">Parameters named <c>@name</c>, each to be bound before every execution (SQLite keeps a value bound until it is bound again).</param>
    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
        for (var index = 1; index <= raw.sqlite3_bind_parameter_count(_statement); index++)
        {
            _indexes[raw.sqlite3_bind_parameter_name(_statement, index).utf8_to_string()[1..]] = index;
        }
    }

    public void Bind(string name, long? value) => Bind(Index(name), value);

    public void Bind(string name, double? value) => Bind(Index(name), value);

    public void Bind(string name, bool value) => Bind(Index(name), value);

    public void Bind(string name, DateTimeOffset? value) => Bind(Index(name), value);

    public void Bind(string name, string? value) => Bind(Index(name), value);

    public void BindBlob(string name, byte[]? value) => BindBlob(Index(name), value);

    private int Index(string name) =>
        _indexes.TryGetValue(name, out var index) ? index : throw new InvalidOperationException($"the statement has no parameter @{name}");

    private void Bind(int index, long? value) =>
        Check(value is { } number ? raw.sqlite3_bind_int64(_statement, index, number) : raw.sqlite3_bind_null(_statement, index));

    private void Bind(int index, double? value) =>
        Check(value is { } number ? raw.sqlite3_bind_double(_statement, index, number) : raw.sqlite3_bind_null(_statement, index));

    private void Bind(int index, bool value) => Check(raw.sqlite3_bind_int64(_statement, index, value ? 1 : 0));

    private void Bind(int index, DateTimeOffset? value) => Bind(index, value?.ToUnixTimeMilliseconds());

    private void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        // SQLite copies the text (SQLITE_TRANSIENT), so the bytes need to live only for the call.
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = length > 512 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[512];
            var written = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer[..written]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void BindBlob(int index, byte[]? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Runs the statement to its end; the rows it changed.</summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        while (rc == raw.SQLITE_ROW)
        {
            rc = raw.sqlite3_step(_statement);
        }

        raw.sqlite3_reset(_statement);
        SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc, _db);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>The first row's first column as an integer; null when there is no row or it is NULL.</summary>
    public long? ScalarInt64()
    {
        var rc = raw.sqlite3_step(_statement);
        long? value = rc == raw.SQLITE_ROW && raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL ? raw.sqlite3_column_int64(_statement, 0) : null;
        raw.sqlite3_reset(_statement);
        SqliteException.ThrowExceptionForRC(rc is raw.SQLITE_ROW or raw.SQLITE_DONE ? raw.SQLITE_OK : rc, _db);
        return value;
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
