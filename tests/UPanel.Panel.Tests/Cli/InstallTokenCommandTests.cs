using UPanel.Panel.Cli;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tests.Cli;

public sealed class InstallTokenCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("upanel-install-token-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Install_token_for_a_data_dir_without_a_panel_database_is_refused_and_creates_nothing()
    {
        // A forgotten --data-dir: the default ./data is not where the panel keeps its database.
        var dataDirectory = Path.Combine(_root, "data");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await InstallTokenCommand.RunAsync(new PanelOptions { DataDirectory = dataDirectory }, null, stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Equal("", stdout.ToString());
        Assert.Equal(
            $"upanel-panel: no panel database at {dataDirectory}/panel.db; nothing was created: pass the running panel's --data-dir " +
            "(or UPANEL_DATA_DIR, or UPANEL_POSTGRES for a panel on PostgreSQL), or start the panel once first\n",
            stderr.ToString());
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task Install_token_for_an_empty_existing_data_dir_is_refused_and_leaves_it_empty()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await InstallTokenCommand.RunAsync(new PanelOptions { DataDirectory = _root }, null, stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith($"upanel-panel: no panel database at {_root}/panel.db; nothing was created", stderr.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }
}
