using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Storage;

/// <summary>
/// On PostgreSQL the keys of the session and anti-forgery cookies (ASP.NET Core data protection) live in the database,
/// so a cookie one panel issued is accepted by every panel on it. Each key is sealed with the token key
/// (<see cref="TokenSealer"/>): a copy of the database alone cannot forge a session.
/// </summary>
internal sealed class CookieKeyRepository(SqlDialect dialect, TokenSealer sealer, TimeProvider time, ILogger logger) : IXmlRepository
{
    private const string Binding = "cookie-key:";

    // IXmlRepository is synchronous; it is called at start, when a key is created and when the key ring is refreshed
    // (daily), never per request.
    public IReadOnlyCollection<XElement> GetAllElements() => ReadAsync(CancellationToken.None).GetAwaiter().GetResult().Keys;

    public void StoreElement(XElement element, string friendlyName) => StoreAsync(element, friendlyName, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The keys this panel can open, and how many it cannot (sealed with another token key).</summary>
    public async Task<(IReadOnlyCollection<XElement> Keys, int Unreadable)> ReadAsync(CancellationToken cancellationToken)
    {
        var keys = new List<XElement>();
        var unreadable = 0;
        await using (var connection = await dialect.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, sealed_xml FROM cookie_keys ORDER BY created_at, name";
            foreach (var (name, sealedXml) in await Db.ListAsync(command, row => (row.RequiredString("name"), row.RequiredString("sealed_xml")), cancellationToken))
            {
                if (sealer.Unseal(sealedXml, Binding + name) is { } xml)
                {
                    keys.Add(XElement.Parse(xml));
                }
                else
                {
                    unreadable++;
                }
            }
        }

        if (unreadable > 0)
        {
            Log.CookieKeysUnreadable(logger, unreadable);
        }

        return (keys, unreadable);
    }

    private async Task StoreAsync(XElement element, string friendlyName, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO cookie_keys (name, sealed_xml, created_at) VALUES (@name, @xml, @now) ON CONFLICT (name) DO NOTHING";
        Db.Add(command, "name", friendlyName);
        Db.Add(command, "xml", sealer.Seal(element.ToString(SaveOptions.DisableFormatting), Binding + friendlyName));
        Db.Add(command, "now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Before the panel serves: makes sure the database holds a key in use, created by one panel while the others
    /// wait (panels started together would otherwise each make their own, and refuse each other's cookies until the
    /// key ring's next refresh). Refuses to start when the database has keys and none opens with this panel's token key.
    /// </summary>
    public async Task EnsureKeyAsync(IKeyManager keys, CancellationToken cancellationToken)
    {
        await using var exclusive = await dialect.LockAsync(PanelLock.CookieKeys, wait: true, cancellationToken);
        var (readable, unreadable) = await ReadAsync(cancellationToken);
        if (readable.Count == 0 && unreadable > 0)
        {
            throw new PanelUsageException(
                "UPANEL_TOKEN_KEY: the cookie keys in this database were sealed with another token key. Every panel on one database needs the same "
                + "UPANEL_TOKEN_KEY (the first panel's is in its DATA_DIR/token.key unless it was set); if that key is lost for good, "
                + "DELETE FROM cookie_keys (everyone signs in again)");
        }

        var now = time.GetUtcNow();
        // What the key ring would pick as its default: a key active now and not about to expire (its own threshold).
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now + TimeSpan.FromDays(2)))
        {
            keys.CreateNewKey(now, now + TimeSpan.FromDays(90));
        }
    }
}
