using Microsoft.Data.Sqlite;
using Npgsql;

namespace UPanel.Panel.Storage;

/// <summary>
/// Whether an exception means the database cannot be reached or used right now (an expected outage: answer 503 and
/// let agents retry), as opposed to a bug (a constraint the code broke, bad SQL: answer 500 and count it).
/// </summary>
internal static class DatabaseUnavailable
{
    public static bool Is(Exception? exception) => exception switch
    {
        // Class 08 connection exceptions, 57 operator intervention (admin shutdown, a database dropped WITH FORCE),
        // 53 insufficient resources, 3D000 database does not exist.
        PostgresException postgres => postgres.SqlState is "3D000" || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("57", StringComparison.Ordinal) || postgres.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
        // SQLITE_BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 8 or 10 or 11 or 13 or 14 or 26,
        _ => false,
    };
}
