using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.ScaleOut;

/// <summary>
/// Two panels on one PostgreSQL database, as behind a load balancer (docs/scale-out.md): each with its own data
/// directory, as on two machines, the same UPANEL_ADMIN_KEY and UPANEL_TOKEN_KEY, and one fake clock.
/// </summary>
public sealed class TwoPanelsFixture : PostgresPanelFixture
{
    private readonly string _secondDirectory = Directory.CreateTempSubdirectory("upanel-panel-test-b-").FullName;
    private PanelHost? _b;

    public TwoPanelsFixture()
    {
        var adminKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var tokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // As docs/scale-out.md deploys them: nginx (on this host) is the trusted proxy.
        Configure = options => options with { AdminKey = adminKey, TokenKey = tokenKey, TrustedProxies = [System.Net.IPNetwork.Parse("127.0.0.1/32")] };
    }

    internal PanelHost A => Host;

    internal PanelHost B => _b ?? Host;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        if (Started)
        {
            _b = await PanelHost.StartAsync(Options with { DataDirectory = _secondDirectory }, A.Time);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        string? failure = null;
        if (_b is not null)
        {
            var errors = _b.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Error).Select(r => $"{r.Message} {r.Exception}");
            failure = _b.UnhandledErrors > 0 ? $"panel B answered {_b.UnhandledErrors} request(s) with 500:\n{string.Join("\n", errors)}" : null;
            await _b.DisposeAsync();
        }

        await base.DisposeAsync();
        Directory.Delete(_secondDirectory, recursive: true);
        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
