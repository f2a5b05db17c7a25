using Microsoft.Playwright;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>What an agent reports about itself (its clock off the panel's, heartbeats its queue dropped) shows on its page.</summary>
public sealed class AgentNoticesBrowserTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-pages-").FullName;
    private PanelHost _panel = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        _panel = await PanelHost.StartAsync(new() { DataDirectory = _dir });
    }

    [Fact]
    public async Task A_skewed_clock_and_dropped_heartbeats_are_shown_and_a_small_skew_is_not()
    {
        var skewed = await _panel.NewServerAsync("skewed-host");
        await _panel.HeartbeatOkAsync(skewed.AgentToken, _panel.NewHeartbeat(skewed.ServerId, seq: 1) with { ClockSkewSeconds = 95, DroppedHeartbeats = 12 });
        var fine = await _panel.NewServerAsync("fine-host");
        await _panel.HeartbeatOkAsync(fine.AgentToken, _panel.NewHeartbeat(fine.ServerId, seq: 1) with { ClockSkewSeconds = -3, DroppedHeartbeats = 0 });
        var page = await _browser.NewPageAsync();
        await Browser.SignInAsync(page, _panel.BaseAddress, _panel.AdminKey);

        await page.GotoAsync(new Uri(_panel.BaseAddress, $"/servers/{skewed.ServerId}").ToString());
        Assert.StartsWith("This server's clock is 95 s behind the panel's", await page.TextContentAsync("#clock-skew"));
        Assert.StartsWith("Its agent has dropped 12 heartbeats in all", await page.TextContentAsync("#dropped"));

        await page.GotoAsync(new Uri(_panel.BaseAddress, $"/servers/{fine.ServerId}").ToString());
        Assert.Equal("fine-host", (await page.TextContentAsync("h1"))?.Split(' ')[0]);
        Assert.Equal(0, await page.Locator("#clock-skew").CountAsync());
        Assert.Equal(0, await page.Locator("#dropped").CountAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _panel.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
