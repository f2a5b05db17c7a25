namespace UPanel.Agent.Configuration;

/// <summary>One line of an env file: its text as written and, for an assignment, the key and the unquoted value.</summary>
internal sealed record EnvFileLine(int Number, string Raw, string? Key, string? Value, bool Exported);
