using System.Data;
using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// Parameter and column helpers shared by both engines. Every parameter carries an explicit DbType because
/// PostgreSQL cannot infer the type of a bare NULL in expressions such as <c>@seq IS NULL</c>.
/// </summary>
internal static class Db
{
    public static void Add(DbCommand command, string name, string? value) => Add(command, name, value, DbType.String);

    public static void Add(DbCommand command, string name, long? value) => Add(command, name, value, DbType.Int64);

    public static void Add(DbCommand command, string name, double? value) => Add(command, name, value, DbType.Double);

    public static void Add(DbCommand command, string name, bool value) => Add(command, name, value, DbType.Boolean);

    public static void Add(DbCommand command, string name, DateTimeOffset? value) =>
        Add(command, name, value?.ToUnixTimeMilliseconds(), DbType.Int64);

    private static void Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    public static string? String(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? Int64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static double? Double(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    public static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
