using UPanel.Panel.Storage;

namespace UPanel.Panel.Tokens;

/// <summary>Creates install tokens for the command line and the admin API alike; only the hash is stored.</summary>
internal sealed class InstallTokenIssuer(IPanelStore store, TimeProvider time)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);

    public async Task<(string Token, DateTimeOffset ExpiresAt)> CreateAsync(TimeSpan lifetime, CancellationToken cancellationToken)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "an install token lives between 1 second and 30 days");
        }

        var token = Secrets.NewToken();
        var now = time.GetUtcNow();
        var expiresAt = now + lifetime;
        await store.AddInstallTokenAsync(Secrets.Hash(token), now, expiresAt, cancellationToken);
        return (token, expiresAt);
    }
}
