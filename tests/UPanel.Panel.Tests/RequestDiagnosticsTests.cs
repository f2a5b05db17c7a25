using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>
/// ASP.NET Core's hosting starts an Activity and a logging scope for every request while its diagnostics category is
/// enabled at any level; the panel turns that category off, and only it (docs/decisions/ingest-throughput.md,
/// eleventh pass, alongside).
/// </summary>
public sealed class RequestDiagnosticsTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    [Fact]
    public void The_hosts_per_request_diagnostics_are_off_and_every_other_warning_is_still_logged()
    {
        var loggers = fixture.Host.App.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.All(
            new[] { "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Hosting.Other", "Microsoft.Hosting.Lifetime", "UPanel.Panel.Api", "UPanel.Panel.Alerts" },
            category => Assert.True(loggers.CreateLogger(category).IsEnabled(LogLevel.Warning), category));
    }
}
