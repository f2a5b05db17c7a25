using System.Collections;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>
/// Everything a command touches outside its arguments: output streams, the environment, the file system seam,
/// time, the stop signal, and the parts other areas provide. Tests build one in-process; Program builds the real one.
/// </summary>
internal sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Err { get; init; }

    public required IReadOnlyDictionary<string, string> Variables { get; init; }

    public IConfigFileSystem Files { get; init; } = ConfigFileSystem.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Cancelled on SIGTERM/SIGINT.</summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>Reads the facts <c>register</c> sends; tests may replace it.</summary>
    public Func<IHostFiles, RegisterRequest> ReadHostFacts { get; init; } = files => new HostFactsReader(files).Read();

    public static CliEnvironment FromProcess(CancellationToken stopping)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        return new CliEnvironment
        {
            Out = Console.Out,
            Err = Console.Error,
            Variables = variables,
            Stopping = stopping,
        };
    }
}
