using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// Parameter and column helpers shared by both engines. Every parameter carries an explicit DbType because
/// PostgreSQL cannot infer the type of a bare NULL in expressions such as <c>@seq IS NULL</c>. Parameters are named
/// here without their prefix (<c>"id"</c> for <c>@id</c>) and given to the engine with it (<see cref="Prefixed"/>).
/// </summary>
internal static class Db
{
    // Names are the callers' literals, a fixed few dozen: each prefixed once.
    private static readonly ConcurrentDictionary<string, string> PrefixedNames = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="name"/> as the SQL spells it, <c>@name</c>. Microsoft.Data.Sqlite binds a parameter named without
    /// its prefix by looking the name up in the statement, then again with each of '@', ':' and '$' before it: four
    /// lookups, each a new string and a new UTF-8 copy of it, for every parameter of every execution (46 per heartbeat in
    /// the writer); named with it, one (docs/decisions/ingest-throughput.md, eighth pass). Npgsql takes <c>@name</c> as
    /// <c>name</c>.
    /// </summary>
    internal static string Prefixed(string name) => PrefixedNames.GetOrAdd(name, static n => "@" + n);

    public static void Add(DbCommand command, string name, string? value) => Add(command, name, value, DbType.String);

    public static void Add(DbCommand command, string name, long? value) => Add(command, name, value, DbType.Int64);

    public static void Add(DbCommand command, string name, double? value) => Add(command, name, value, DbType.Double);

    public static void Add(DbCommand command, string name, bool value) => Add(command, name, value, DbType.Boolean);

    public static void Add(DbCommand command, string name, DateTimeOffset? value) =>
        Add(command, name, value?.ToUnixTimeMilliseconds(), DbType.Int64);

    /// <summary>Adds a parameter whose value is set later with <c>Set</c>, for a command reused row after row.</summary>
    /// <summary>Every row the command returns, each read by <paramref name="read"/> through a <see cref="Row"/>.</summary>
    public static async Task<List<T>> ListAsync<T>(DbCommand command, Func<Row, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(row));
        }

        return rows;
    }

    public static void Declare(DbCommand command, string name, DbType type) => Add(command, name, null, type);

    /// <summary>Sets a parameter added before, for a command reused row after row.</summary>
    public static void Set(DbCommand command, string name, string? value) => command.Parameters[Prefixed(name)].Value = value ?? (object)DBNull.Value;

    public static void Set(DbCommand command, string name, long? value) => command.Parameters[Prefixed(name)].Value = value ?? (object)DBNull.Value;

    public static void Set(DbCommand command, string name, double? value) => command.Parameters[Prefixed(name)].Value = value ?? (object)DBNull.Value;

    public static void Set(DbCommand command, string name, byte[]? value) => command.Parameters[Prefixed(name)].Value = value ?? (object)DBNull.Value;

    public static void Set(DbCommand command, string name, bool value) => command.Parameters[Prefixed(name)].Value = value;

    public static void Set(DbCommand command, string name, DateTimeOffset? value) => Set(command, name, value?.ToUnixTimeMilliseconds());

    /// <summary>The same parameters for one statement of a <see cref="DbBatch"/>.</summary>
    public static void Add(DbBatchCommand command, string name, string? value) => Add(command.Parameters, command.CreateParameter(), name, value, DbType.String);

    public static void Add(DbBatchCommand command, string name, long? value) => Add(command.Parameters, command.CreateParameter(), name, value, DbType.Int64);

    public static void Add(DbBatchCommand command, string name, double? value) => Add(command.Parameters, command.CreateParameter(), name, value, DbType.Double);

    public static void Add(DbBatchCommand command, string name, bool value) => Add(command.Parameters, command.CreateParameter(), name, value, DbType.Boolean);

    private static void Add(DbCommand command, string name, object? value, DbType type) =>
        Add(command.Parameters, command.CreateParameter(), name, value, type);

    private static void Add(DbParameterCollection parameters, DbParameter parameter, string name, object? value, DbType type)
    {
        parameter.ParameterName = Prefixed(name);
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        parameters.Add(parameter);
    }

    public static string? String(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? Int64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static double? Double(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    /// <summary>
    /// A value stored as a 4-byte float (PostgreSQL's real), widened to a double on the way, as the shortest decimal that
    /// is that float: 37.29 written reads 37.29, not 37.290000915527344. Exact wherever floats are closer together than
    /// the value's last digit: any CPU to 5 decimals, any load under 131,072 to 2, any value to 6 significant digits.
    /// </summary>
    public static double FromSingle(double value)
    {
        Span<char> text = stackalloc char[32];
        ((float)value).TryFormat(text, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        return double.Parse(text[..length], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}

/// <summary>
/// The current row of a reader, read by the query's own column names, so a column added to or moved in a SELECT cannot
/// shift what another one reads. Names are resolved once per reader; a name the query does not have is an error naming it.
/// </summary>
internal sealed class Row(DbDataReader reader)
{
    private readonly Dictionary<string, int> _ordinals =
        Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, StringComparer.OrdinalIgnoreCase);

    public bool IsNull(string column) => reader.IsDBNull(Ordinal(column));

    public string RequiredString(string column) => reader.GetString(Ordinal(column));

    public long RequiredInt64(string column) => reader.GetInt64(Ordinal(column));

    public double RequiredDouble(string column) => reader.GetDouble(Ordinal(column));

    public bool RequiredBool(string column) => reader.GetBoolean(Ordinal(column));

    public DateTimeOffset RequiredTime(string column) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(Ordinal(column)));

    public string? String(string column) => Db.String(reader, Ordinal(column));

    public long? Int64(string column) => Db.Int64(reader, Ordinal(column));

    public double? Double(string column) => Db.Double(reader, Ordinal(column));

    public DateTimeOffset? Time(string column) => Db.Time(reader, Ordinal(column));

    private int Ordinal(string column) =>
        _ordinals.TryGetValue(column, out var ordinal) ? ordinal : throw new InvalidOperationException($"the query has no column {column}");
}
