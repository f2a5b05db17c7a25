using Microsoft.Playwright;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>Headless Chromium from the distribution (scripts/services.sh installs it), driven by Playwright; nothing downloads a browser.</summary>
internal static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            RequiredServices.Unavailable($"{ChromiumPath} missing: install Debian's chromium (scripts/services.sh does).");
        }

        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        return (playwright, browser);
    }

    /// <summary>Screenshots land in artifacts/ at the repository root (gitignored), for a person to look at.</summary>
    public static string ArtifactPath(string name)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "artifacts");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    /// <summary>
    /// Posts the sign-in form and returns once the page it leads to has loaded: the overview (after the redirect) when
    /// the key is taken, the sign-in page with its error when not. Nothing after it races the navigation.
    /// </summary>
    public static async Task SignInAsync(IPage page, Uri panel, string key)
    {
        await page.GotoAsync(new Uri(panel, "/signin").ToString());
        await page.FillAsync("#key", key);
        var answer = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("button[type=submit]"),
            response => response.Request.Method == "POST" && new Uri(response.Url).AbsolutePath == "/signin");
        switch (answer.Status)
        {
            case 302:
                await page.WaitForURLAsync(new Uri(panel, answer.Headers["location"]).ToString());
                break;
            case 401 or 429:
                await page.WaitForSelectorAsync("#signin-error");
                break;
            default:
                throw new InvalidOperationException($"The sign-in form was answered {answer.Status}: {await answer.TextAsync()}");
        }
    }
}
