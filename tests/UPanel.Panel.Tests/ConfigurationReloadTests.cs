using Microsoft.Extensions.Configuration;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>
/// The host's configuration files are read once, never watched: a watch covers the working directory and everything under
/// it, the default data directory (<c>./data</c>) too, and woke a watcher thread at each write to the database
/// (docs/decisions/ingest-throughput.md, eighth pass).
/// </summary>
public sealed class ConfigurationReloadTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    [Fact]
    public void The_configuration_files_are_read_without_a_watch()
    {
        var files = ((IConfigurationRoot)fixture.Host.App.Configuration).Providers.OfType<FileConfigurationProvider>().ToList();

        Assert.Contains(files, file => file.Source.Path == "appsettings.json");
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, $"{file.Source.Path} is watched"));
    }
}
