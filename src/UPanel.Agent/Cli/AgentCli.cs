using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>
/// The whole command line, in-process: <c>upanel-agent [COMMAND] [FLAGS]</c> → exit code. Program.cs only builds the
/// real <see cref="CliEnvironment"/>; tests call this directly.
/// </summary>
internal static class AgentCli
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment env)
    {
        if (!CommandLineParser.TryParse(args, out var parsed, out var error))
        {
            env.Err.WriteLine($"upanel-agent: {error}");
            env.Err.WriteLine("Run `upanel-agent --help` for the commands, flags and settings.");
            return ExitCodes.Usage;
        }

        if (parsed.Help)
        {
            env.Out.Write(HelpText.Build());
            return ExitCodes.Ok;
        }

        var command = parsed.Command;
        if (command == Commands.Version)
        {
            env.Out.WriteLine(AgentInfo.Version);
            return ExitCodes.Ok;
        }

        var loader = new ConfigLoader(env.Variables, env.Files);
        var config = loader.Load(parsed.Flags, envFileMayBeMissing: command == Commands.Register);
        var needs = command == Commands.Register ? ConfigNeeds.Registration
            : command == Commands.Run ? ConfigNeeds.Panel
            : ConfigNeeds.Local;

        if (command == Commands.Health)
        {
            // A HEALTHCHECK reads only 0 and 1, and only HEALTH_LISTEN matters to the probe.
            var relevant = config.ProblemsFor(ConfigNeeds.Local)
                .Where(p => p.Setting == Settings.HealthListen.Name || p.Setting == Settings.EnvFile.Name)
                .ToList();
            return ReportProblems(env, relevant)
                ? ExitCodes.Failure
                : await new HealthCommand(env, config.Options, parsed.Switches.Contains(Commands.VerboseSwitch)).RunAsync();
        }

        // check reports config problems itself, among the others.
        if (command != Commands.Check && ReportProblems(env, config.ProblemsFor(needs)))
        {
            return ExitCodes.Config;
        }

        try
        {
            if (command == Commands.Register)
            {
                return await RegisterAsync(env, parsed, config);
            }

            if (command == Commands.Check)
            {
                return await new CheckCommand(env, config).RunAsync();
            }

            if (command == Commands.Collect)
            {
                return await new CollectCommand(env, config.Options).RunAsync();
            }

            return await new RunCommand(env, config, () => loader.Load(parsed.Flags)).RunAsync();
        }
        catch (OperationCanceledException) when (env.Stopping.IsCancellationRequested)
        {
            env.Err.WriteLine($"upanel-agent: {command.Name} interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug or an unforeseen failure: one line (the binary has no stack traces), and a distinct exit code.
            env.Err.WriteLine($"upanel-agent: {command.Name} failed unexpectedly: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Software;
        }
    }

    private static async Task<int> RegisterAsync(CliEnvironment env, ParsedCommandLine parsed, ConfigLoadResult config)
    {
        var installToken = parsed.Flags.GetValueOrDefault(Settings.InstallToken.Name)
                           ?? env.Variables.GetValueOrDefault(Settings.InstallToken.Name)?.Trim();
        if (string.IsNullOrEmpty(installToken))
        {
            env.Err.WriteLine(
                "upanel-agent: INSTALL_TOKEN is not set: create one on the panel (`install-token create`) and set INSTALL_TOKEN " +
                "in the environment (or pass --install-token TOKEN, which other users can see in `ps`)");
            return ExitCodes.Config;
        }

        if (!TokenText.IsValid(installToken))
        {
            env.Err.WriteLine(
                $"upanel-agent: INSTALL_TOKEN is longer than {TokenText.MaxLength} characters or contains whitespace, control or non-ASCII characters: copy it again exactly as the panel printed it");
            return ExitCodes.Config;
        }

        return await new RegisterCommand(env, config, installToken).RunAsync();
    }

    private static bool ReportProblems(CliEnvironment env, IReadOnlyList<ConfigProblem> problems)
    {
        foreach (var problem in problems)
        {
            env.Err.WriteLine($"upanel-agent: {problem.Message}");
        }

        return problems.Count > 0;
    }
}
