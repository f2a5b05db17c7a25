using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;

namespace UPanel.Agent.Logging;

/// <summary>
/// Writes one line per event: <c>2026-01-15T10:30:00.123Z info  Reporting.Reporter[1201] message (IOException: reason)</c>.
/// Only the exception's type and message: a stack trace is noise in <c>docker logs</c> and the binary has none anyway.
/// </summary>
internal sealed class ConsoleLogger(string category, LogLevel minLevel, TextWriter writer, TimeProvider time) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = new StringBuilder(160);
        line.Append(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
            .Append(' ')
            .Append(LevelText(logLevel))
            .Append(' ')
            .Append(category);
        if (eventId.Id != 0)
        {
            line.Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        }

        line.Append(' ');
        AppendSingleLine(line, formatter(state, exception));
        if (exception is not null)
        {
            line.Append(" (").Append(exception.GetType().Name).Append(": ");
            AppendSingleLine(line, exception.Message);
            line.Append(')');
        }

        line.Append('\n');

        // One Write per event, so lines from several threads never interleave.
        lock (writer)
        {
            writer.Write(line.ToString());
            writer.Flush();
        }
    }

    private static string LevelText(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info ",
        LogLevel.Warning => "warn ",
        LogLevel.Error => "error",
        _ => "crit ",
    };

    // Control characters (a newline from a remote error body, say) would forge extra log lines.
    private static void AppendSingleLine(StringBuilder builder, string text)
    {
        foreach (var c in text)
        {
            builder.Append(WireText.IsUnsafe(c) ? ' ' : c);
        }
    }
}
