using UPanel.Agent.Configuration;

namespace UPanel.Agent.Tests.Configuration;

public sealed class EnvFileParserTests
{
    [Theory]
    [InlineData("PANEL_URL=https://panel.example.com", "https://panel.example.com")]
    [InlineData("  PANEL_URL = https://panel.example.com  ", "https://panel.example.com")]
    [InlineData("export PANEL_URL=https://panel.example.com", "https://panel.example.com")]
    [InlineData("PANEL_URL=\"https://panel.example.com\"", "https://panel.example.com")]
    [InlineData("PANEL_URL='https://panel.example.com' # the panel", "https://panel.example.com")]
    [InlineData("PANEL_URL=https://panel.example.com # the panel", "https://panel.example.com")]
    [InlineData("PANEL_URL=abc#def", "abc#def")]
    [InlineData("PANEL_URL=\"a \\\"quoted\\\" \\\\ value\"", "a \"quoted\" \\ value")]
    [InlineData("PANEL_URL='$literal \\n'", "$literal \\n")]
    [InlineData("PANEL_URL=", "")]
    [InlineData("PANEL_URL=a=b", "a=b")]
    [InlineData("PANEL_URL=value\r", "value")]
    public void Assignment_lines_yield_their_unquoted_value(string line, string expected)
    {
        var document = EnvFileParser.Parse(line);

        Assert.Empty(document.Errors);
        Assert.Equal(expected, document.ToDictionary()["PANEL_URL"]);
    }

    [Fact]
    public void Comments_and_blank_lines_are_kept_but_set_nothing()
    {
        var document = EnvFileParser.Parse("# comment\n\n   \n  # indented comment\nA=1\n");

        Assert.Empty(document.Errors);
        Assert.Equal(5, document.Lines.Count);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1" }, document.ToDictionary());
    }

    [Fact]
    public void A_key_set_twice_takes_the_last_value()
    {
        var document = EnvFileParser.Parse("A=1\nA=2\n");

        Assert.Equal("2", document.ToDictionary()["A"]);
    }

    [Theory]
    [InlineData("just some words", "no '='")]
    [InlineData("1ABC=x", "not a valid variable name")]
    [InlineData("MY-KEY=x", "not a valid variable name")]
    [InlineData("=x", "not a valid variable name")]
    [InlineData("A=\"unterminated", "unterminated double quote")]
    [InlineData("A='unterminated", "unterminated single quote")]
    [InlineData("A=\"x\" trailing", "after the closing quote")]
    public void Bad_lines_are_errors_with_their_line_number(string badLine, string reason)
    {
        var document = EnvFileParser.Parse($"# header\nGOOD=1\n{badLine}\nALSO_GOOD=2\n");

        var error = Assert.Single(document.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains(reason, error.Reason);
        Assert.Equal("1", document.ToDictionary()["GOOD"]);
        Assert.Equal("2", document.ToDictionary()["ALSO_GOOD"]);
    }

    [Fact]
    public void An_error_never_quotes_the_line_it_is_about()
    {
        const string secret = "s3cr3t-token-value";

        var document = EnvFileParser.Parse($"AGENT_TOKEN=\"{secret}\n{secret}\n");

        Assert.Equal(2, document.Errors.Count);
        Assert.All(document.Errors, e => Assert.DoesNotContain(secret, e.Reason));
    }
}
