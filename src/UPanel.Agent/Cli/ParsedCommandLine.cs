namespace UPanel.Agent.Cli;

/// <summary>A command line that parsed: the command, its flag values keyed by setting name, and its switches.</summary>
internal sealed record ParsedCommandLine(
    CommandSpec Command,
    IReadOnlyDictionary<string, string> Flags,
    IReadOnlySet<string> Switches,
    bool Help);
