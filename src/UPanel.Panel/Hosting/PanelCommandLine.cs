using System.Globalization;

namespace UPanel.Panel.Hosting;

/// <summary>
/// Splits the command line into a command, the panel's own settings and what ASP.NET Core reads itself
/// (<c>--urls</c>, <c>--environment</c>, ...). Precedence: flag &gt; environment &gt; default.
/// </summary>
internal sealed record PanelCommandLine(string Command, PanelOptions Options, string[] HostArgs, TimeSpan? Expires)
{
    public const string Usage = """
        upanel-panel: the UPanel reference panel (agent API, tokens, read API).

        usage:
          upanel-panel [--urls http://127.0.0.1:8080] [settings]     run the panel
          upanel-panel install-token create [--expires 24h] [settings] print a new install token
          upanel-panel version | --help

        settings (flag / environment, default):
          --data-dir DIR          UPANEL_DATA_DIR          ./data (SQLite file, generated admin key, token key)
                                  UPANEL_POSTGRES          PostgreSQL connection string: use it instead of SQLite
          --retention-days N      UPANEL_RETENTION_DAYS    30
          --public-url URL        UPANEL_PUBLIC_URL        panel_url handed to agents (default: the request's host)
          --heartbeat-seconds N   UPANEL_HEARTBEAT_SECONDS 60 (for newly registered servers)
          --trusted-proxies LIST  UPANEL_TRUSTED_PROXIES   none; addresses or networks (127.0.0.1,10.0.0.0/8) of the
                                                           proxies whose X-Forwarded-For/-Proto the panel believes
                                  UPANEL_ADMIN_KEY         admin bearer key (else generated at first start)
                                  UPANEL_TOKEN_KEY         base64 32-byte key sealing rotated tokens (else DIR/token.key)
                                  UPANEL_AGENT_IMAGE       image for update_url (ghcr.io/inte-team/upanel-agent)
                                  UPANEL_SMTP_PASSWORD     password of the e-mail alert channels that set a username
        secrets are environment only (a flag shows in `ps`); UPANEL_POSTGRES_FILE, UPANEL_ADMIN_KEY_FILE,
        UPANEL_TOKEN_KEY_FILE and UPANEL_SMTP_PASSWORD_FILE read one from a file instead (Docker secrets).
        listen address: --urls or ASPNETCORE_URLS (default http://localhost:5000). Other ASP.NET Core settings:
        --environment NAME, --Section:Key VALUE (e.g. --Logging:LogLevel:Default Warning); any other option is refused.
        """;

    public static PanelCommandLine Parse(string[] args, Func<string, string?> environment)
    {
        var options = new PanelOptions();
        var env = (string name) => environment(name) is { Length: > 0 } value ? value : null;
        options = options with
        {
            DataDirectory = env("UPANEL_DATA_DIR") ?? options.DataDirectory,
            PostgresConnectionString = Secret("UPANEL_POSTGRES", env),
            RetentionDays = env("UPANEL_RETENTION_DAYS") is { } days ? ParseInt("UPANEL_RETENTION_DAYS", days, 1, 36500) : options.RetentionDays,
            AdminKey = Secret("UPANEL_ADMIN_KEY", env),
            TokenKey = Secret("UPANEL_TOKEN_KEY", env),
            SmtpPassword = Secret("UPANEL_SMTP_PASSWORD", env),
            PublicUrl = env("UPANEL_PUBLIC_URL"),
            TrustedProxies = env("UPANEL_TRUSTED_PROXIES") is { } proxies ? ParseNetworks("UPANEL_TRUSTED_PROXIES", proxies) : options.TrustedProxies,
            DefaultHeartbeatSeconds = env("UPANEL_HEARTBEAT_SECONDS") is { } hb ? ParseInt("UPANEL_HEARTBEAT_SECONDS", hb, 5, 3600) : options.DefaultHeartbeatSeconds,
            AgentImage = env("UPANEL_AGENT_IMAGE") ?? options.AgentImage,
        };

        var command = "run";
        TimeSpan? expires = null;
        var hostArgs = new List<string>();
        var position = 0;
        if (args.Length > 0)
        {
            switch (args[0])
            {
                case "install-token":
                    if (args.Length < 2 || args[1] != "create")
                    {
                        throw new PanelUsageException("usage: upanel-panel install-token create [--expires 24h]");
                    }

                    command = "install-token-create";
                    position = 2;
                    break;
                case "run":
                    position = 1;
                    break;
                case "version" or "--version":
                    return new PanelCommandLine("version", options, [], null);
                case "help" or "--help" or "-h":
                    return new PanelCommandLine("help", options, [], null);
                case var word when !word.StartsWith('-'):
                    // A mistyped command (install-tokens) would otherwise start a panel on ./data.
                    throw new PanelUsageException($"unknown command '{word}': the commands are run (the default), install-token create, version and help (upanel-panel --help)");
            }
        }

        for (var i = position; i < args.Length; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 && arg.StartsWith("--", StringComparison.Ordinal)
                ? (arg[..eq], arg[(eq + 1)..])
                : (arg, null);
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new PanelUsageException($"{name} needs a value"));
            switch (name)
            {
                case "--data-dir":
                    options = options with { DataDirectory = Value() };
                    break;
                case "--postgres":
                    throw new PanelUsageException("--postgres: a connection string on the command line shows its password in `ps`; set UPANEL_POSTGRES, or UPANEL_POSTGRES_FILE to a file holding it");
                case "--retention-days":
                    options = options with { RetentionDays = ParseInt(name, Value(), 1, 36500) };
                    break;
                case "--public-url":
                    options = options with { PublicUrl = Value() };
                    break;
                case "--heartbeat-seconds":
                    options = options with { DefaultHeartbeatSeconds = ParseInt(name, Value(), 5, 3600) };
                    break;
                case "--trusted-proxies":
                    options = options with { TrustedProxies = ParseNetworks(name, Value()) };
                    break;
                case "--expires" when command == "install-token-create":
                    expires = DurationParser.Parse(Value()) ?? throw new PanelUsageException("--expires: use a duration such as 30m, 24h or 7d");
                    break;
                case var host when IsHostSetting(host):
                    hostArgs.Add(arg);
                    if (inline is null && i + 1 < args.Length)
                    {
                        hostArgs.Add(args[++i]);
                    }

                    break;
                default:
                    // ASP.NET Core would take any --name as configuration and ignore it: a mistyped --data-dir ran the
                    // panel on ./data.
                    throw new PanelUsageException(name == "--expires"
                        ? "--expires belongs to install-token create: upanel-panel install-token create --expires 24h"
                        : $"unknown option '{arg}': the panel's are --data-dir, --retention-days, --public-url, --heartbeat-seconds and --trusted-proxies; ASP.NET Core's --urls, --environment, or --Section:Key VALUE (upanel-panel --help)");
            }
        }

        if (options.AdminKey is { Length: < 16 })
        {
            throw new PanelUsageException("UPANEL_ADMIN_KEY: use at least 16 random characters (e.g. `head -c 32 /dev/urandom | base64`), or unset it to have one generated");
        }

        if (options.PublicUrl is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == "https" || uri.Scheme == "http")))
        {
            throw new PanelUsageException("UPANEL_PUBLIC_URL / --public-url: give an absolute http(s) URL such as https://panel.example.com");
        }

        return new PanelCommandLine(command, options, [.. hostArgs], expires);
    }

    /// <summary>What ASP.NET Core reads from the command line itself: its host settings, and configuration keys by section.</summary>
    private static bool IsHostSetting(string name) =>
        name.StartsWith("--", StringComparison.Ordinal)
        && (HostSettings.Contains(name[2..]) || (name.Length > 3 && name.IndexOf(':', StringComparison.Ordinal) > 2));

    private static readonly HashSet<string> HostSettings = new(
        ["urls", "environment", "contentRoot", "applicationName", "webroot", "http_ports", "https_ports", "hostingStartupAssemblies", "hostingStartupExcludeAssemblies"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>NAME from the environment, or the trimmed content of the file NAME_FILE names; not both.</summary>
    private static string? Secret(string name, Func<string, string?> env)
    {
        var value = env(name);
        var file = env(name + "_FILE");
        if (file is null)
        {
            return value;
        }

        if (value is not null)
        {
            throw new PanelUsageException($"{name} and {name}_FILE are both set: keep one");
        }

        try
        {
            return File.ReadAllText(file).Trim() is { Length: > 0 } content
                ? content
                : throw new PanelUsageException($"{name}_FILE: {file} is empty; put the value in it or unset {name}_FILE");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PanelUsageException($"{name}_FILE: cannot read {file} ({exception.GetType().Name}); give a readable file or unset {name}_FILE");
        }
    }

    /// <summary>Addresses and networks separated by commas or spaces; an address alone is a network of one.</summary>
    private static System.Net.IPNetwork[] ParseNetworks(string setting, string text) =>
        [.. text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(entry =>
            System.Net.IPNetwork.TryParse(entry, out var network) ? network
            : System.Net.IPAddress.TryParse(entry, out var address) ? new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)
            : throw new PanelUsageException($"{setting}: '{entry}' is not an IP address or network; give the proxies' addresses, e.g. 127.0.0.1,10.0.0.0/8"))];

    private static int ParseInt(string setting, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new PanelUsageException($"{setting}: give a whole number from {min} to {max} (got '{text}')");
}
