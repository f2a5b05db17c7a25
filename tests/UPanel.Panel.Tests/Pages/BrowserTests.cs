using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>
/// A panel on SQLite in a directory of its own and headless Chromium, both started for each test and stopped after it:
/// what every browser test class needs before its own set-up.
/// </summary>
public abstract class BrowserTests : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    /// <summary>The panel's data directory, deleted after the test.</summary>
    protected string DataDirectory { get; } = Directory.CreateTempSubdirectory("upanel-pages-").FullName;

    private protected PanelHost Panel { get; private set; } = null!;

    protected IBrowser Chromium { get; private set; } = null!;

    public virtual async ValueTask InitializeAsync()
    {
        (_playwright, Chromium) = await Browser.LaunchAsync();
        Panel = await PanelHost.StartAsync(new() { DataDirectory = DataDirectory });
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
        await Panel.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
        GC.SuppressFinalize(this);
    }
}
