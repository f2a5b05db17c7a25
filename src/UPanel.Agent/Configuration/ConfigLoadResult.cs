namespace UPanel.Agent.Configuration;

/// <summary>The loaded options, what was wrong while loading them, and the env file involved.</summary>
internal sealed class ConfigLoadResult(AgentOptions options, IReadOnlyList<ConfigProblem> loadProblems, string envFilePath, bool envFileLoaded)
{
    private const string RegisterHint = "run `INSTALL_TOKEN=<token> upanel-agent register --panel-url URL`";

    public AgentOptions Options { get; } = options;

    /// <summary>Problems with values that were set (malformed, unreadable), whatever the command.</summary>
    public IReadOnlyList<ConfigProblem> LoadProblems { get; } = loadProblems;

    /// <summary>The env file in effect: <c>--env-file</c>, else the default path (whether or not it exists).</summary>
    public string EnvFilePath { get; } = envFilePath;

    public bool EnvFileLoaded { get; } = envFileLoaded;

    /// <summary>What is unsafe but works (a token file other users may read): logged by run, shown by check.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Every problem that stops a command with these needs, one per setting at most for missing values.</summary>
    public IReadOnlyList<ConfigProblem> ProblemsFor(ConfigNeeds needs)
    {
        var problems = new List<ConfigProblem>();
        foreach (var problem in LoadProblems)
        {
            var panelSetting = IsPanelConnection(problem.Setting);
            if (needs == ConfigNeeds.Panel || !panelSetting ||
                (needs == ConfigNeeds.Registration && problem.Setting == Settings.PanelUrl.Name))
            {
                problems.Add(problem);
            }
        }

        if (needs == ConfigNeeds.Registration && Options.PanelUrl is null && !HasProblem(Settings.PanelUrl))
        {
            problems.Add(new ConfigProblem(
                Settings.PanelUrl.Name,
                "PANEL_URL is not set",
                "pass --panel-url URL (the panel's base URL, e.g. https://panel.example.com) or set PANEL_URL"));
        }

        if (needs != ConfigNeeds.Panel)
        {
            return problems;
        }

        if (Options.PanelUrl is null && !HasProblem(Settings.PanelUrl))
        {
            problems.Add(new ConfigProblem(
                Settings.PanelUrl.Name, "PANEL_URL is not set", $"{RegisterHint} or set PANEL_URL in {EnvFilePath}"));
        }

        if (Options.ServerId is null && !HasProblem(Settings.ServerId))
        {
            problems.Add(new ConfigProblem(
                Settings.ServerId.Name, "SERVER_ID is not set", $"{RegisterHint} or set SERVER_ID in {EnvFilePath}"));
        }

        if (Options.AgentToken is null && !HasProblem(Settings.AgentToken) && !HasProblem(Settings.AgentTokenFile))
        {
            problems.Add(new ConfigProblem(
                Settings.AgentToken.Name,
                "AGENT_TOKEN is not set",
                $"{RegisterHint}, set AGENT_TOKEN in {EnvFilePath}, or point AGENT_TOKEN_FILE at a file holding it"));
        }

        return problems;
    }

    private bool HasProblem(Setting setting) => LoadProblems.Any(p => p.Setting == setting.Name);

    private static bool IsPanelConnection(string name) => Settings.PanelConnection.Any(s => s.Name == name);
}
