using System.Diagnostics.CodeAnalysis;
using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>upanel-agent [COMMAND] [--flag VALUE | --flag=VALUE | --switch]...</c>. Errors never quote a value or a
/// stray argument: it may be a token typed in the wrong place.
/// </summary>
internal static class CommandLineParser
{
    public static bool TryParse(string[] args, [NotNullWhen(true)] out ParsedCommandLine? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        error = null;
        if (args.Any(a => a is "-h" or "--help"))
        {
            parsed = new ParsedCommandLine(Commands.Help, new Dictionary<string, string>(), new HashSet<string>(), Help: true);
            return true;
        }

        var command = Commands.Run;
        var start = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            if (Commands.Find(args[0]) is not { } found)
            {
                error = $"unknown command '{Printable(args[0])}'; commands: {string.Join(", ", Commands.All.Select(c => c.Name))}";
                return false;
            }

            command = found;
            start = 1;
        }

        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var switches = new HashSet<string>(StringComparer.Ordinal);
        for (var i = start; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                error = $"unexpected argument #{(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} for `{command.Name}` (flags start with --)";
                return false;
            }

            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg : arg[..eq];
            if (name == "--agent-token")
            {
                error = "there is no --agent-token flag: a token on the command line is visible to every user in `ps`; " +
                        "set AGENT_TOKEN in the env file or the environment, or point --agent-token-file at a file holding it";
                return false;
            }

            if (command.Switches.Contains(name))
            {
                if (eq >= 0)
                {
                    error = $"{name} takes no value";
                    return false;
                }

                switches.Add(name);
                continue;
            }

            if (!command.Flags.Contains(name) || Settings.ByFlag(name) is not { } setting)
            {
                error = Settings.ByFlag(name) is not null || Commands.All.Any(c => c.Switches.Contains(name))
                    ? $"flag {Printable(name)} does not apply to `{command.Name}`"
                    : $"unknown flag {Printable(name)} for `{command.Name}`";
                return false;
            }

            string value;
            if (eq >= 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                error = $"{name} needs a value ({setting.FlagValue})";
                return false;
            }

            if (value.Length == 0)
            {
                error = $"{name} needs a value ({setting.FlagValue}), not an empty string";
                return false;
            }

            flags[setting.Name] = value;
        }

        parsed = new ParsedCommandLine(command, flags, switches, command == Commands.Help);
        return true;
    }

    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => WireText.IsUnsafe(c) ? '?' : c).ToArray());
        return clean.Length > 40 ? clean[..40] + "…" : clean;
    }
}
