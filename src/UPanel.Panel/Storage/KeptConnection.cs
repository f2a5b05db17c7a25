using System.Data;
using System.Data.Common;

namespace UPanel.Panel.Storage;

/// <summary>
/// A SQLite connection kept open between uses, with each statement it ran kept compiled: Microsoft.Data.Sqlite compiles
/// a command's SQL at its first run and keeps it with the command until the command is disposed or the connection closed
/// (a pooled connection's close disposes them all), so a statement created on a pooled connection for each alert
/// evaluation was compiled again every time (docs/decisions/ingest-throughput.md, seventh pass). Used by one caller
/// at a time (<see cref="KeptConnectionSlot"/>). A command it hands out belongs to it: the caller does not dispose it.
/// </summary>
internal sealed class KeptConnection : IAsyncDisposable
{
    /// <summary>Statements kept at most; past that all are dropped and compiled again (the callers run a fixed few).</summary>
    private const int MaxStatements = 32;

    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    private KeptConnection(DbConnection connection) => Connection = connection;

    public DbConnection Connection { get; }

    /// <summary>Still open: a connection the engine closed is not handed out again.</summary>
    public bool Usable => Connection.State == ConnectionState.Open;

    public static async ValueTask<KeptConnection> OpenAsync(SqlDialect dialect, CancellationToken cancellationToken) =>
        new(await dialect.OpenAsync(cancellationToken));

    /// <summary>The command for <paramref name="sql"/>, compiled at its first run and kept, its parameters cleared.</summary>
    public DbCommand Command(string sql, DbTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxStatements)
            {
                DropStatements();
            }

            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    private void DropStatements()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        DropStatements();
        await Connection.DisposeAsync();
    }
}
