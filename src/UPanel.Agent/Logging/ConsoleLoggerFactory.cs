using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Logging;

/// <summary>
/// Hands out <see cref="ConsoleLogger"/>s. An <see cref="ILoggerFactory"/> so <c>CreateLogger&lt;T&gt;()</c> works,
/// without the Microsoft.Extensions.Logging package (footprint).
/// </summary>
internal sealed class ConsoleLoggerFactory(LogLevel minLevel, TextWriter writer, TimeProvider time) : ILoggerFactory
{
    private const string TrimmedPrefix = "UPanel.Agent.";

    public ILogger CreateLogger(string categoryName) =>
        new ConsoleLogger(
            categoryName.StartsWith(TrimmedPrefix, StringComparison.Ordinal) ? categoryName[TrimmedPrefix.Length..] : categoryName,
            minLevel,
            writer,
            time);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("The agent's console logger takes no providers.");

    public void Dispose()
    {
    }
}
