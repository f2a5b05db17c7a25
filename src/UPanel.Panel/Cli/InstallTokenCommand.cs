using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Cli;

/// <summary>
/// <c>upanel-panel install-token create [--expires 24h]</c>: prints only the token on stdout, into the database of a panel
/// that has started at least once.
/// </summary>
internal static class InstallTokenCommand
{
    public static async Task<int> RunAsync(PanelOptions options, TimeSpan? expires, TextWriter stdout, TextWriter stderr)
    {
        var lifetime = expires ?? options.DefaultInstallTokenLifetime;
        if (lifetime > InstallTokenIssuer.MaxLifetime)
        {
            await stderr.WriteLineAsync("--expires: at most 30d");
            return 2;
        }

        // A token in a database no panel serves is refused by the panel as "invalid, expired or already used": a
        // mistyped or forgotten --data-dir (default ./data) must not create a fresh one.
        if (!options.UsesPostgres && !File.Exists(options.SqlitePath))
        {
            await stderr.WriteLineAsync(
                $"upanel-panel: no panel database at {Path.GetFullPath(options.SqlitePath)}; nothing was created: pass the running " +
                "panel's --data-dir (or UPANEL_DATA_DIR, or UPANEL_POSTGRES for a panel on PostgreSQL), or start the panel once first");
            return 1;
        }

        SqlDialect dialect = options.UsesPostgres ? new PostgresDialect(options.PostgresConnectionString!) : new SqliteDialect(options.SqlitePath);
        await using var store = new SqlPanelStore(dialect, TimeProvider.System, NullLogger<SqlPanelStore>.Instance);
        await store.MigrateAsync(CancellationToken.None);
        var (token, expiresAt) = await new InstallTokenIssuer(store, TimeProvider.System).CreateAsync(lifetime, CancellationToken.None);
        await stdout.WriteLineAsync(token);
        await stderr.WriteLineAsync($"install token expires {expiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'} (single use)");
        return 0;
    }
}
