namespace UPanel.Agent.Configuration;

/// <summary>A line of an env file that is not <c>KEY=VALUE</c>. The reason never quotes the line: it may hold a token.</summary>
internal sealed record EnvFileError(int Line, string Reason);
