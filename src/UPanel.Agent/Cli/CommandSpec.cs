namespace UPanel.Agent.Cli;

/// <summary>One subcommand: its name, usage line, what it does, and which flags it takes.</summary>
internal sealed record CommandSpec(string Name, string Usage, string Summary, IReadOnlyList<string> Flags, IReadOnlyList<string> Switches);
