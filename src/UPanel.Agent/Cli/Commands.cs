using UPanel.Agent.Configuration;

namespace UPanel.Agent.Cli;

/// <summary>Every subcommand, in help order.</summary>
internal static class Commands
{
    public const string VerboseSwitch = "--verbose";

    private static readonly string[] SettingFlags =
        [.. Settings.Agent.Where(s => s.Flag is not null).Select(s => s.Flag!), Settings.EnvFile.Flag!];

    public static readonly CommandSpec Run = new(
        "run", "run [FLAGS]",
        "send heartbeats every HEARTBEAT_INTERVAL seconds and serve GET /health until SIGTERM/SIGINT (the default)",
        SettingFlags, []);

    public static readonly CommandSpec Collect = new(
        "collect", "collect [FLAGS]",
        "print the heartbeat the agent would send, as JSON, and exit; sends nothing, needs no PANEL_URL or token",
        SettingFlags, []);

    public static readonly CommandSpec Register = new(
        "register", "register --panel-url URL --install-token TOKEN [--env-file PATH]",
        "register this server with the panel and write PANEL_URL, SERVER_ID, AGENT_TOKEN, HEARTBEAT_INTERVAL to the env file (mode 0600)",
        [.. SettingFlags, Settings.InstallToken.Flag!], []);

    public static readonly CommandSpec Check = new(
        "check", "check [FLAGS]",
        "diagnose configuration, host mounts, panel reachability and token, Docker socket; one line per problem with its fix, exit 1 if any",
        SettingFlags, []);

    public static readonly CommandSpec Health = new(
        "health", "health [--verbose] [--health-listen HOST:PORT] [--env-file PATH]",
        "probe the local GET /health (for a shell-less image's HEALTHCHECK); exit 0 healthy, 1 not; quiet unless --verbose",
        [Settings.HealthListen.Flag!, Settings.EnvFile.Flag!], [VerboseSwitch]);

    public static readonly CommandSpec Version = new("version", "version", "print the agent's version", [], []);

    public static readonly CommandSpec Help = new("help", "help | --help | -h", "print this help", [], []);

    public static readonly IReadOnlyList<CommandSpec> All = [Run, Collect, Register, Check, Health, Version, Help];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
