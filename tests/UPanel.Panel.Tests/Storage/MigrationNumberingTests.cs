using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

public sealed class MigrationNumberingTests
{
    /// <summary>Two branches that each added "the next" migration show here as a number twice or a gap.</summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void The_shipped_migrations_are_numbered_one_after_another(string dialect)
    {
        var scripts = Migrator.Scripts(dialect);

        Assert.Equal(Enumerable.Range(1, scripts.Count), scripts.Select(s => s.Version));
    }
}
