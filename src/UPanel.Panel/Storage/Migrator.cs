using System.Data.Common;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Storage;

/// <summary>
/// Applies the numbered scripts under Migrations/&lt;dialect&gt;/ (embedded) that the <c>schema_migrations</c> table
/// does not list yet, each in its own transaction with its row, so a failed step leaves the schema as it was.
/// </summary>
internal sealed class Migrator(SqlDialect dialect, TimeProvider time, ILogger logger)
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts(string dialectName)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"migrations/{dialectName}/";
        var scripts = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var name = resource.Replace('\\', '/');
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var file = name[prefix.Length..];
            var version = int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, file, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        // Two scripts with one number (branches that each added "the next" one): the second would be recorded as applied
        // without running. Fail every start instead, so the clash cannot land.
        for (var i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Item1 == scripts[i - 1].Item1)
            {
                throw new InvalidOperationException($"migrations {scripts[i - 1].Item2} and {scripts[i].Item2} share the number {scripts[i].Item1}: renumber one");
            }
        }

        return scripts;
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await dialect.PrepareAsync(connection, cancellationToken);
        // Under the migration lock too: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a concurrent one
        // (two panels starting on an empty database: "duplicate key value violates unique constraint pg_type_...").
        await using (var create = await connection.BeginTransactionAsync(cancellationToken))
        {
            await dialect.LockForMigrationAsync(connection, create, cancellationToken);
            await ExecuteAsync(connection, create,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                cancellationToken);
            await create.CommitAsync(cancellationToken);
        }

        foreach (var (version, name, sql) in Scripts(dialect.Name))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await dialect.LockForMigrationAsync(connection, transaction, cancellationToken);
            await using (var check = connection.CreateCommand())
            {
                check.Transaction = transaction;
                check.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = @version";
                Db.Add(check, "version", version);
                if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    continue;
                }
            }

            await ExecuteAsync(connection, transaction, sql, cancellationToken);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)";
                Db.Add(record, "version", version);
                Db.Add(record, "name", name);
                Db.Add(record, "at", time.GetUtcNow().ToUnixTimeMilliseconds());
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            Log.MigrationApplied(logger, dialect.Name, name);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
