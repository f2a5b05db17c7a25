using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class LoadAvgParserTests
{
    [Theory]
    [InlineData("host-debian12", 1.60, 1.79, 0.95)]
    [InlineData("container-busybox", 1.41, 1.73, 0.94)]
    [InlineData("rhel5-kernel-2.6.18", 0.08, 0.03, 0.01)]
    public void Captured_files_give_their_three_numbers(string fixture, double one, double five, double fifteen)
    {
        var load = LoadAvgParser.Parse(FixtureTree.Read(fixture, "proc/loadavg"));

        Assert.Equal(new LoadAverage(one, five, fifteen), load);
    }

    [Fact]
    public void Only_the_three_averages_are_needed()
    {
        Assert.Equal(new LoadAverage(123.45, 0, 7), LoadAvgParser.Parse("123.45 0.00 7"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0.35 0.58")]
    [InlineData("garbage in here")]
    [InlineData("-1.00 0.50 0.25 1/100 42")]
    [InlineData("NaN 0.50 0.25 1/100 42")]
    [InlineData("Infinity 0.50 0.25 1/100 42")]
    [InlineData("1e400 0.50 0.25 1/100 42")]
    [InlineData("0,35 0,58 0,32 1/104 8383")]
    public void Odd_input_is_a_format_error(string text)
    {
        Assert.Throws<FormatException>(() => LoadAvgParser.Parse(text));
    }

    [Fact]
    public void Number_too_large_for_a_double_is_a_format_error()
    {
        var huge = new string('9', 400) + " 1 1";

        Assert.Throws<FormatException>(() => LoadAvgParser.Parse(huge));
    }
}
