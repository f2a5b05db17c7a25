using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Cli;

/// <summary><c>upanel-panel install-token create [--expires 24h]</c>: prints only the token on stdout.</summary>
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

        if (!options.UsesPostgres)
        {
            SecretFile.EnsureDirectory(options.DataDirectory);
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
