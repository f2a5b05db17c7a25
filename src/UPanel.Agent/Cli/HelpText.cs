using System.Text;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Cli;

/// <summary>The usage text: every command, every flag and every setting with its environment name and default.</summary>
internal static class HelpText
{
    public static string Build()
    {
        var b = new StringBuilder();
        b.Append("upanel-agent ").Append(AgentInfo.Version).Append(" - reports this server's health to a UPanel panel\n\n");
        b.Append("Usage: upanel-agent [COMMAND] [FLAGS]\n\nCommands:\n");
        foreach (var command in Commands.All)
        {
            b.Append("  ").Append(command.Usage).Append('\n');
            b.Append("      ").Append(command.Summary).Append('\n');
        }

        b.Append("\nSettings (command-line flag > environment > env file > default):\n");
        foreach (var setting in Settings.Agent.Append(Settings.EnvFile).Append(Settings.InstallToken).Append(Settings.NoNextStep))
        {
            b.Append("  ");
            if (setting.FromEnvironment || setting.FromEnvFile)
            {
                b.Append(setting.Name);
                if (setting.Flag is not null)
                {
                    b.Append(", ");
                }
            }

            if (setting.Flag is not null)
            {
                b.Append(setting.Flag).Append(' ').Append(setting.FlagValue);
            }

            b.Append('\n');
            b.Append("      ").Append(setting.Description).Append('\n');
            b.Append("      default: ").Append(setting.DefaultText);
            if (!setting.FromEnvFile)
            {
                b.Append(setting.FromEnvironment ? "; not read from the env file" : "; flag only");
            }

            b.Append('\n');
        }

        b.Append("""

            There is no --agent-token flag: a token on the command line is visible to every user in `ps`.
            Give it in the env file (register writes it there), as AGENT_TOKEN in the environment, or with
            AGENT_TOKEN_FILE. For register, prefer INSTALL_TOKEN in the environment to --install-token:
              INSTALL_TOKEN=... upanel-agent register --panel-url https://panel.example.com

            The panel connection honours HTTPS_PROXY, HTTP_PROXY, ALL_PROXY (http:// proxies) and NO_PROXY from
            the environment; Docker and loopback never go through a proxy. https trusts the system's CA store
            (SSL_CERT_FILE or SSL_CERT_DIR point elsewhere); the panel must send its intermediate certificates.

            Env file: KEY=VALUE lines, '#' comments, optional quotes and `export ` prefix.
            Exit codes: 0 ok, 1 failure (check found problems, health unhealthy, register failed),
            2 usage error, 70 internal error, 78 configuration error, 130 interrupted.

            """);
        return b.ToString();
    }
}
