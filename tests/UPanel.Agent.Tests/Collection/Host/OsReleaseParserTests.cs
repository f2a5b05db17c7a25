using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class OsReleaseParserTests
{
    [Fact]
    public void Debian12_capture_gives_PRETTY_NAME()
    {
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", OsReleaseParser.PrettyName(FixtureTree.Read("host-debian12", "root/etc/os-release")));
    }

    [Theory]
    [InlineData("NAME=Alpine\nVERSION=3.20\n", "Alpine 3.20")]
    [InlineData("NAME='Arch Linux'\n", "Arch Linux")]
    [InlineData("# comment\nPRETTY_NAME=\"Say \\\"hi\\\"\"\n", "Say \"hi\"")]
    [InlineData("PRETTY_NAME=\"\"\nNAME=Fallback\n", "Fallback")]
    [InlineData("", null)]
    [InlineData("garbage\n=\n", null)]
    public void Shell_style_values_are_unquoted(string text, string? expected)
    {
        Assert.Equal(expected, OsReleaseParser.PrettyName(text));
    }
}
