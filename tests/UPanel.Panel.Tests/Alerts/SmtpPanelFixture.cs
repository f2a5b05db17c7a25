using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>A real SMTP server and a panel on <typeparamref name="TEngine"/> that has its password (UPANEL_SMTP_PASSWORD).</summary>
public sealed class SmtpPanelFixture<TEngine> : IAsyncLifetime
    where TEngine : PanelFixture, new()
{
    private SmtpTestServer? _smtp;
    private TEngine? _engine;

    /// <summary>The SMTP server; skips (or, in CI, fails) the calling test when aiosmtpd is not installed.</summary>
    internal SmtpTestServer Smtp
    {
        get
        {
            if (_smtp is null)
            {
                RequiredServices.Unavailable(SmtpTestServer.UnavailableReason);
            }

            return _smtp!;
        }
    }

    /// <summary>The panel (reached through <see cref="Smtp"/> first, so a missing aiosmtpd is reported as such).</summary>
    internal PanelHost Panel => Smtp is not null ? _engine!.Host : null!;

    public async ValueTask InitializeAsync()
    {
        _smtp = await SmtpTestServer.StartAsync();
        if (_smtp is null)
        {
            return;
        }

        var password = _smtp.Password;
        _engine = new TEngine { Configure = options => options with { SmtpPassword = password } };
        await _engine.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        _smtp?.Dispose();
    }
}
