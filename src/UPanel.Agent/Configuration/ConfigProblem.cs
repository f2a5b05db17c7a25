namespace UPanel.Agent.Configuration;

/// <summary>
/// One thing wrong with the configuration: which setting, what is wrong, and how to fix it.
/// Never carries a secret value.
/// </summary>
internal sealed record ConfigProblem(string Setting, string Problem, string Fix)
{
    public string Message => $"{Problem}: {Fix}";

    public override string ToString() => Message;
}
