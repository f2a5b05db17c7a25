using System.Globalization;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection.Docker;
using UPanel.Contracts;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Builds <see cref="AgentOptions"/> from command-line flags, the environment, the env file and defaults, in that
/// order of precedence. Hand-written (no Microsoft.Extensions.Configuration) to keep the AOT binary small. The process
/// environment and the file system are injected, so tests never touch the real ones.
/// </summary>
internal sealed class ConfigLoader(IReadOnlyDictionary<string, string> environment, IConfigFileSystem files)
{
    private const int MaxEchoedLength = 120;

    /// <param name="flags">Values given on the command line, keyed by setting name (<c>PANEL_URL</c>, <c>ENV_FILE</c>).</param>
    /// <param name="envFileMayBeMissing">True for <c>register</c>, which creates the file.</param>
    public ConfigLoadResult Load(IReadOnlyDictionary<string, string> flags, bool envFileMayBeMissing = false)
    {
        var problems = new List<ConfigProblem>();
        var warnings = new List<string>();
        var (envFilePath, fileValues, loaded) = LoadEnvFile(flags, envFileMayBeMissing, problems);
        if (loaded && fileValues.ContainsKey(Settings.AgentToken.Name) && files.ReadableByOthers(envFilePath) is { } envMode)
        {
            warnings.Add($"env file {envFilePath} holds AGENT_TOKEN and other users may read it (mode {envMode}): chmod 600 {envFilePath}");
        }

        var context = new Layers(flags, environment, fileValues, envFilePath);
        var options = new AgentOptions { EnvFile = loaded ? envFilePath : null };

        if (context.Resolve(Settings.PanelUrl) is { } panelUrl)
        {
            options = options with { PanelUrl = ParsePanelUrl(panelUrl, problems) };
        }

        if (context.Resolve(Settings.ServerId) is { } serverId)
        {
            if (serverId.Text.Any(c => char.IsWhiteSpace(c) || WireText.IsUnsafe(c)))
            {
                problems.Add(new ConfigProblem(
                    Settings.ServerId.Name,
                    $"SERVER_ID {Echo(serverId.Text)} from {serverId.Source} contains whitespace or control characters",
                    "set it to the server id that register printed"));
            }
            else
            {
                options = options with { ServerId = serverId.Text };
            }
        }

        options = LoadToken(context, options, problems, warnings);

        if (WholeNumber(context, Settings.HeartbeatInterval, AgentOptions.MinIntervalSeconds, AgentOptions.MaxIntervalSeconds,
                "a whole number of seconds from 5 to 3600", "set HEARTBEAT_INTERVAL to e.g. 60", problems) is { } seconds)
        {
            options = options with { HeartbeatIntervalSeconds = (int)seconds };
        }

        options = options with { HostProc = ResolvePath(context, Settings.HostProc, "/host/proc", "/proc", problems) };
        options = options with { HostSys = ResolvePath(context, Settings.HostSys, "/host/sys", "/sys", problems) };
        options = options with { HostRoot = ResolvePath(context, Settings.HostRoot, "/host/root", "/", problems) };
        options = options with { StateDir = ResolvePath(context, Settings.StateDir, null, options.StateDir, problems) };

        if (WholeNumber(context, Settings.QueueMaxHeartbeats, 1, int.MaxValue, "a whole number of at least 1",
                "set it to e.g. 1440 (a day at 60 s), or leave it unset for a day's worth at the interval", problems) is { } count)
        {
            options = options with { QueueMaxHeartbeats = (int)count };
        }

        if (WholeNumber(context, Settings.QueueMaxBytes, AgentOptions.MinQueueMaxBytes, long.MaxValue,
                $"a whole number of bytes of at least {AgentOptions.MinQueueMaxBytes}",
                $"set it to e.g. {AgentOptions.DefaultQueueMaxBytes} (16 MiB), or leave it unset", problems) is { } bytes)
        {
            options = options with { QueueMaxBytes = bytes };
        }

        if (context.Resolve(Settings.DockerHost) is { } dockerHost)
        {
            if (DockerEndpoint.TryParse(dockerHost.Text, out var endpoint, out _))
            {
                options = options with { DockerHost = endpoint! };
            }
            else
            {
                problems.Add(new ConfigProblem(
                    Settings.DockerHost.Name,
                    $"DOCKER_HOST {(dockerHost.Text.Contains('@') ? "(a value with credentials)" : Echo(dockerHost.Text))} from {dockerHost.Source} is not a unix:// or tcp:// address",
                    "set it to e.g. unix:///var/run/docker.sock (Podman: unix:///run/podman/podman.sock) or tcp://host:port (no TLS)"));
            }
        }

        if (context.Resolve(Settings.HealthListen) is { } health)
        {
            if (HealthListenAddress.TryParse(health.Text, out var address))
            {
                options = options with { HealthListenAddress = address };
            }
            else
            {
                problems.Add(new ConfigProblem(
                    Settings.HealthListen.Name,
                    $"HEALTH_LISTEN {Echo(health.Text)} from {health.Source} is not host:port or off",
                    "set it to e.g. 0.0.0.0:8443, 127.0.0.1:8443 or off"));
            }
        }

        if (context.Resolve(Settings.LogLevel) is { } level)
        {
            if (TryParseLogLevel(level.Text, out var parsed))
            {
                options = options with { LogLevel = parsed };
            }
            else
            {
                problems.Add(new ConfigProblem(
                    Settings.LogLevel.Name,
                    $"LOG_LEVEL {Echo(level.Text)} from {level.Source} is not a log level",
                    "set it to Trace, Debug, Information, Warning, Error, Critical or None"));
            }
        }

        return new ConfigLoadResult(options, problems, envFilePath, loaded) { Warnings = warnings };
    }

    public static bool TryParseLogLevel(string text, out LogLevel level)
    {
        switch (text.ToLowerInvariant())
        {
            case "trace":
                level = LogLevel.Trace;
                return true;
            case "debug":
                level = LogLevel.Debug;
                return true;
            case "information" or "info":
                level = LogLevel.Information;
                return true;
            case "warning" or "warn":
                level = LogLevel.Warning;
                return true;
            case "error":
                level = LogLevel.Error;
                return true;
            case "critical":
                level = LogLevel.Critical;
                return true;
            case "none":
                level = LogLevel.None;
                return true;
            default:
                level = LogLevel.Information;
                return false;
        }
    }

    private (string Path, IReadOnlyDictionary<string, string> Values, bool Loaded) LoadEnvFile(
        IReadOnlyDictionary<string, string> flags, bool mayBeMissing, List<ConfigProblem> problems)
    {
        var empty = new Dictionary<string, string>();
        var explicitPath = flags.GetValueOrDefault(Settings.EnvFile.Name);
        var path = explicitPath is null ? Settings.DefaultEnvFile : Path.GetFullPath(explicitPath);
        if (files.DirectoryExists(path))
        {
            problems.Add(new ConfigProblem(
                Settings.EnvFile.Name,
                $"env file {path} is a directory",
                "remove it (a bind mount of a file that does not exist creates a directory) and register again, or pass --env-file"));
            return (path, empty, false);
        }

        if (!files.FileExists(path))
        {
            if (explicitPath is not null && !mayBeMissing)
            {
                problems.Add(new ConfigProblem(
                    Settings.EnvFile.Name,
                    $"env file {path} (--env-file) does not exist",
                    "check the path, or run register with --env-file to create it"));
            }

            return (path, empty, false);
        }

        string text;
        try
        {
            text = files.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ConfigProblem(
                Settings.EnvFile.Name,
                $"env file {path} cannot be read ({Describe(e)})",
                "run the agent as a user that may read it (it is mode 0600, owned by whoever registered) or pass --env-file"));
            return (path, empty, false);
        }

        var document = EnvFileParser.Parse(text);
        foreach (var error in document.Errors)
        {
            problems.Add(new ConfigProblem(
                Settings.EnvFile.Name,
                $"{path}:{error.Line.ToString(CultureInfo.InvariantCulture)}: {error.Reason}",
                "write the line as KEY=VALUE (quotes optional, '#' starts a comment) or delete it"));
        }

        return (path, document.ToDictionary(), true);
    }

    private AgentOptions LoadToken(Layers context, AgentOptions options, List<ConfigProblem> problems, List<string> warnings)
    {
        var token = context.Resolve(Settings.AgentToken);
        var tokenFile = context.Resolve(Settings.AgentTokenFile);
        if (token is not null && tokenFile is not null)
        {
            // Two ways to give one setting: the higher layer wins, as for every other setting; in one layer it is ambiguous.
            if (token.Layer == tokenFile.Layer)
            {
                problems.Add(new ConfigProblem(
                    Settings.AgentToken.Name,
                    $"AGENT_TOKEN (from {token.Source}) and AGENT_TOKEN_FILE (from {tokenFile.Source}) are both set",
                    "keep only one of them"));
                return options;
            }

            if (token.Layer < tokenFile.Layer)
            {
                tokenFile = null;
            }
            else
            {
                token = null;
            }
        }

        string value;
        string source;
        if (tokenFile is not null)
        {
            var path = tokenFile.Text;
            options = options with { AgentTokenFile = path };
            if (files.DirectoryExists(path))
            {
                problems.Add(new ConfigProblem(
                    Settings.AgentTokenFile.Name,
                    $"AGENT_TOKEN_FILE {path} from {tokenFile.Source} is a directory",
                    "point it at the file holding the token (a bind mount of a file that does not exist creates a directory)"));
                return options;
            }

            try
            {
                value = files.ReadAllText(path).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new ConfigProblem(
                    Settings.AgentTokenFile.Name,
                    $"AGENT_TOKEN_FILE {path} from {tokenFile.Source} cannot be read ({Describe(e)})",
                    "check the path and that the agent's user may read the file"));
                return options;
            }

            if (value.Length == 0)
            {
                problems.Add(new ConfigProblem(
                    Settings.AgentTokenFile.Name,
                    $"AGENT_TOKEN_FILE {path} from {tokenFile.Source} is empty",
                    "put the agent token (from register) in it"));
                return options;
            }

            source = $"AGENT_TOKEN_FILE {path}";
            if (files.ReadableByOthers(path) is { } tokenMode)
            {
                warnings.Add($"AGENT_TOKEN_FILE {path} may be read by other users (mode {tokenMode}): chmod 600 {path}, or 400");
            }
        }
        else if (token is not null)
        {
            value = token.Text;
            source = token.Source;
        }
        else
        {
            return options;
        }

        // The token goes into an HTTP header: anything but visible ASCII would break or smuggle the header.
        if (!TokenText.IsValid(value))
        {
            problems.Add(new ConfigProblem(
                Settings.AgentToken.Name,
                $"AGENT_TOKEN from {source} is longer than {TokenText.MaxLength} characters or contains whitespace, control or non-ASCII characters",
                "copy the token again exactly as register wrote it, or register again"));
            return options;
        }

        return options with { AgentToken = value };
    }

    private static Uri? ParsePanelUrl(Layers.Value value, List<ConfigProblem> problems)
    {
        if (!Uri.TryCreate(value.Text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
            uri.Host.Length == 0)
        {
            problems.Add(new ConfigProblem(
                Settings.PanelUrl.Name,
                $"PANEL_URL {Echo(value.Text)} from {value.Source} is not an absolute http(s) URL",
                "set it to the panel's base URL, e.g. https://panel.example.com"));
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            // Not echoed: the user info may hold a password.
            problems.Add(new ConfigProblem(
                Settings.PanelUrl.Name,
                $"PANEL_URL from {value.Source} contains a user name or password",
                "remove the 'user:password@' part; the agent authenticates with AGENT_TOKEN"));
            return null;
        }

        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            problems.Add(new ConfigProblem(
                Settings.PanelUrl.Name,
                $"PANEL_URL {Echo(value.Text)} from {value.Source} uses plain http to a host that is not loopback, so the agent token would cross the network unencrypted",
                $"use https://{uri.Authority}{uri.AbsolutePath} (plain http is allowed only for 127.0.0.0/8, ::1 and localhost)"));
            return null;
        }

        // A trailing slash keeps a path prefix (https://host/panel/) when API paths are appended.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    private string ResolvePath(Layers context, Setting setting, string? preferred, string fallback, List<ConfigProblem> problems)
    {
        if (context.Resolve(setting) is not { } value)
        {
            return preferred is not null && files.DirectoryExists(preferred) ? preferred : fallback;
        }

        if (!Path.IsPathFullyQualified(value.Text))
        {
            problems.Add(new ConfigProblem(
                setting.Name,
                $"{setting.Name} {Echo(value.Text)} from {value.Source} is not an absolute path",
                $"set it to an absolute path (default: {setting.DefaultText})"));
            return preferred is not null && files.DirectoryExists(preferred) ? preferred : fallback;
        }

        return value.Text.Length > 1 ? value.Text.TrimEnd('/') : value.Text;
    }

    /// <summary>
    /// A setting that is a whole number in [<paramref name="min"/>, <paramref name="max"/>]: its value, or null when unset
    /// or when it is not one (then a problem says "{NAME} 'value' from source is not {what}", with the fix).
    /// </summary>
    private static long? WholeNumber(Layers context, Setting setting, long min, long max, string what, string fix, List<ConfigProblem> problems)
    {
        if (context.Resolve(setting) is not { } value)
        {
            return null;
        }

        if (long.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        problems.Add(new ConfigProblem(setting.Name, $"{setting.Name} {Echo(value.Text)} from {value.Source} is not {what}", fix));
        return null;
    }

    /// <summary>A value quoted for a message: bounded and without control characters (never used for tokens).</summary>
    private static string Echo(string value)
    {
        var clean = new string(value.Select(c => WireText.IsUnsafe(c) ? '?' : c).ToArray());
        return "'" + (clean.Length > MaxEchoedLength ? clean[..MaxEchoedLength] + "…" : clean) + "'";
    }

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "not found",
        UnauthorizedAccessException => "permission denied",
        _ => e.GetType().Name,
    };

    /// <summary>The three layers above the defaults, and where a value came from (for messages).</summary>
    private sealed class Layers(
        IReadOnlyDictionary<string, string> flags,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string> envFile,
        string envFilePath)
    {
        /// <summary>The value with the highest precedence; empty values count as unset (Compose passes unset variables as empty).</summary>
        public Value? Resolve(Setting setting)
        {
            if (setting.Flag is not null && flags.TryGetValue(setting.Name, out var flag) && flag.Length > 0)
            {
                return new Value(flag, setting.Flag, Layer: 0);
            }

            if (setting.FromEnvironment && environment.TryGetValue(setting.Name, out var env) && env.Trim().Length > 0)
            {
                return new Value(env.Trim(), "the environment", Layer: 1);
            }

            if (setting.FromEnvFile && envFile.TryGetValue(setting.Name, out var file) && file.Length > 0)
            {
                return new Value(file, envFilePath, Layer: 2);
            }

            return null;
        }

        /// <param name="Layer">0 flag, 1 environment, 2 env file: lower wins.</param>
        public sealed record Value(string Text, string Source, int Layer);
    }
}
