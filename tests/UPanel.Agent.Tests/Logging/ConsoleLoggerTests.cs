using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Logging;

namespace UPanel.Agent.Tests.Logging;

public sealed class ConsoleLoggerTests
{
    private readonly StringWriter _output = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 15, 10, 30, 0, 123, TimeSpan.Zero));

    [Fact]
    public void One_line_per_event_with_timestamp_level_category_event_id_and_message()
    {
        var logger = new ConsoleLoggerFactory(LogLevel.Information, _output, _time).CreateLogger("UPanel.Agent.Reporting.Reporter");

        logger.Log(LogLevel.Warning, new EventId(1201, "X"), "panel answered 503", null, (s, _) => s);

        Assert.Equal("2026-01-15T10:30:00.123Z warn  Reporting.Reporter[1201] panel answered 503\n", _output.ToString());
    }

    [Fact]
    public void An_exception_adds_its_type_and_message_but_no_stack_trace()
    {
        var logger = new ConsoleLoggerFactory(LogLevel.Information, _output, _time).CreateLogger("Cat");
        Exception thrown;
        try
        {
            throw new IOException("disk on fire");
        }
        catch (IOException e)
        {
            thrown = e;
        }

        logger.Log(LogLevel.Error, default, "collect failed", thrown, (s, _) => s);

        Assert.Equal("2026-01-15T10:30:00.123Z error Cat collect failed (IOException: disk on fire)\n", _output.ToString());
    }

    [Fact]
    public void Format_characters_and_separators_in_messages_are_blanked()
    {
        var logger = new ConsoleLoggerFactory(LogLevel.Information, _output, _time).CreateLogger("Cat");

        logger.Log(LogLevel.Information, default, "container \u202Egnp.exe\u2028x\u200By", null, (s, _) => s);

        Assert.Equal("2026-01-15T10:30:00.123Z info  Cat container  gnp.exe x y\n", _output.ToString());
    }

    [Fact]
    public void Newlines_in_messages_cannot_forge_extra_lines()
    {
        var logger = new ConsoleLoggerFactory(LogLevel.Information, _output, _time).CreateLogger("Cat");

        logger.Log(LogLevel.Information, default, "a\nb\r\nc", new InvalidOperationException("x\ny"), (s, _) => s);

        Assert.Single(_output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData(LogLevel.Information, LogLevel.Debug, false)]
    [InlineData(LogLevel.Information, LogLevel.Information, true)]
    [InlineData(LogLevel.Warning, LogLevel.Information, false)]
    [InlineData(LogLevel.Trace, LogLevel.Trace, true)]
    [InlineData(LogLevel.None, LogLevel.Critical, false)]
    public void Events_below_the_minimum_level_are_dropped(LogLevel minimum, LogLevel level, bool written)
    {
        var logger = new ConsoleLoggerFactory(minimum, _output, _time).CreateLogger("Cat");

        logger.Log(level, default, "m", null, (s, _) => s);

        Assert.Equal(written, logger.IsEnabled(level));
        Assert.Equal(written, _output.ToString().Length > 0);
    }

    [Fact]
    public void Typed_loggers_from_the_factory_use_the_type_name_as_category()
    {
        using var factory = new ConsoleLoggerFactory(LogLevel.Information, _output, _time);

        factory.CreateLogger<ConsoleLoggerTests>().LogInformation("hello");

        Assert.Contains(" info  Tests.Logging.ConsoleLoggerTests hello", _output.ToString());
    }
}
