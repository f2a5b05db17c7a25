using Microsoft.Playwright;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>Every resource a page names is there: no request of a page load answered with an error, the icon included.</summary>
public sealed class PageResourcesBrowserTests : BrowserTests
{
    [Fact]
    public async Task Every_page_loads_its_resources_and_icon_without_an_error()
    {
        var server = await Panel.NewServerAsync("resources-host");
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        var page = await Chromium.NewPageAsync();
        var failed = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (failed)
                {
                    failed.Add($"{response.Status} {new Uri(response.Url).AbsolutePath}");
                }
            }
        };
        page.RequestFailed += (_, request) =>
        {
            lock (failed)
            {
                failed.Add($"failed {new Uri(request.Url).AbsolutePath}");
            }
        };

        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
        foreach (var path in new[] { "/", $"/servers/{server.ServerId}", "/servers/new", "/alerts" })
        {
            await page.GotoAsync(new Uri(Panel.BaseAddress, path).ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        }

        var icon = await page.GetAttributeAsync("link[rel=icon]", "href");
        var answer = await page.APIRequest.GetAsync(new Uri(Panel.BaseAddress, icon).ToString());

        Assert.Empty(failed);
        Assert.Equal(200, answer.Status);
        Assert.Equal("image/svg+xml", answer.Headers["content-type"]);
        Assert.StartsWith("<svg ", await answer.TextAsync(), StringComparison.Ordinal);
    }
}
