using Microsoft.Playwright;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>What an agent reports about itself (its clock off the panel's, heartbeats its queue dropped) shows on its page.</summary>
public sealed class AgentNoticesBrowserTests : BrowserTests
{
    [Fact]
    public async Task A_skewed_clock_and_dropped_heartbeats_are_shown_and_a_small_skew_is_not()
    {
        var skewed = await Panel.NewServerAsync("skewed-host");
        await Panel.HeartbeatOkAsync(skewed.AgentToken, Panel.NewHeartbeat(skewed.ServerId, seq: 1) with { ClockSkewSeconds = 95, DroppedHeartbeats = 12 });
        var fine = await Panel.NewServerAsync("fine-host");
        await Panel.HeartbeatOkAsync(fine.AgentToken, Panel.NewHeartbeat(fine.ServerId, seq: 1) with { ClockSkewSeconds = -3, DroppedHeartbeats = 0 });
        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);

        await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{skewed.ServerId}").ToString());
        Assert.StartsWith("This server's clock is 95 s behind the panel's", await page.TextContentAsync("#clock-skew"));
        Assert.StartsWith("Its agent has dropped 12 heartbeats in all", await page.TextContentAsync("#dropped"));

        await page.GotoAsync(new Uri(Panel.BaseAddress, $"/servers/{fine.ServerId}").ToString());
        Assert.Equal("fine-host", (await page.TextContentAsync("h1"))?.Split(' ')[0]);
        Assert.Equal(0, await page.Locator("#clock-skew").CountAsync());
        Assert.Equal(0, await page.Locator("#dropped").CountAsync());
    }
}
