using Microsoft.Extensions.Logging;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tokens;

/// <summary>
/// The admin credential: <c>UPANEL_ADMIN_KEY</c> when configured; otherwise a key generated at the first start,
/// kept only as its hash in the database and written to a 0600 file in the data directory. It is never printed:
/// under systemd or Docker, stderr is the journal or <c>docker logs</c>; the log says where the file is.
/// </summary>
internal sealed class AdminGuard(IPanelStore store, PanelOptions options, ILogger<AdminGuard> logger)
{
    private const string SettingKey = "admin_key_sha256";

    private string? _hash;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (options.AdminKey is { } configured)
        {
            _hash = Secrets.Hash(configured);
            Log.AdminKeyFromEnvironment(logger);
            return;
        }

        var stored = await store.GetSettingAsync(SettingKey, cancellationToken);
        if (stored is null)
        {
            var key = Secrets.NewToken();
            if (await store.TryAddSettingAsync(SettingKey, Secrets.Hash(key), cancellationToken))
            {
                var path = Path.GetFullPath(options.AdminKeyPath);
                SecretFile.EnsureDirectory(options.DataDirectory);
                SecretFile.Write(path, key + "\n");
                Log.AdminKeyGenerated(logger, path);
            }

            stored = await store.GetSettingAsync(SettingKey, cancellationToken);
        }
        else
        {
            Log.AdminKeyStored(logger, Path.GetFullPath(options.AdminKeyPath));
        }

        _hash = stored;
    }

    public bool IsAuthorized(string? presented) =>
        presented is not null && _hash is not null && Secrets.HashesEqual(_hash, Secrets.Hash(presented));
}
