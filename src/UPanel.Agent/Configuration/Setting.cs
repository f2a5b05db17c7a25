namespace UPanel.Agent.Configuration;

/// <summary>
/// One setting as the user sees it: its name (the environment variable and env-file key), its flag,
/// where it may come from, and the default shown in <c>--help</c>.
/// </summary>
internal sealed record Setting(
    string Name,
    string? Flag,
    string FlagValue,
    string DefaultText,
    string Description,
    bool FromEnvironment = true,
    bool FromEnvFile = true);
