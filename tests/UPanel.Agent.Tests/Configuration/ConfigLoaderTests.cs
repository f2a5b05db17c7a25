using Microsoft.Extensions.Logging;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string Token = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    private const string EnvFile = Settings.DefaultEnvFile;

    private readonly FakeConfigFileSystem _files = new();
    private readonly Dictionary<string, string> _environment = new();
    private readonly Dictionary<string, string> _flags = new();

    /// <summary>Per setting: a distinct valid value for each layer, and how to read the result back.</summary>
    public static readonly TheoryData<string> FlagSettings = new(
        "PANEL_URL", "SERVER_ID", "AGENT_TOKEN_FILE", "HEARTBEAT_INTERVAL", "HOST_PROC", "HOST_SYS", "HOST_ROOT", "DOCKER_HOST",
        "HEALTH_LISTEN", "STATE_DIR");

    public static readonly TheoryData<string> AllSettings = new(
        "PANEL_URL", "SERVER_ID", "AGENT_TOKEN", "AGENT_TOKEN_FILE", "HEARTBEAT_INTERVAL", "HOST_PROC", "HOST_SYS", "HOST_ROOT",
        "DOCKER_HOST", "HEALTH_LISTEN", "STATE_DIR", "LOG_LEVEL");

    [Theory]
    [MemberData(nameof(FlagSettings))]
    public void A_flag_beats_the_environment_and_the_env_file(string setting)
    {
        SetLayer(setting, "flag");
        SetLayer(setting, "env");
        SetLayer(setting, "file");

        Assert.Equal(Expected(setting, "flag"), Actual(setting, Load()));
    }

    [Theory]
    [MemberData(nameof(AllSettings))]
    public void The_environment_beats_the_env_file(string setting)
    {
        SetLayer(setting, "env");
        SetLayer(setting, "file");

        Assert.Equal(Expected(setting, "env"), Actual(setting, Load()));
    }

    [Theory]
    [MemberData(nameof(AllSettings))]
    public void The_env_file_beats_the_default(string setting)
    {
        SetLayer(setting, "file");

        Assert.Equal(Expected(setting, "file"), Actual(setting, Load()));
    }

    [Fact]
    public void Defaults_apply_when_nothing_is_set()
    {
        var result = new ConfigLoader(_environment, _files).Load(_flags);

        var options = result.Options;
        Assert.Empty(result.LoadProblems);
        Assert.Null(options.PanelUrl);
        Assert.Null(options.ServerId);
        Assert.Null(options.AgentToken);
        Assert.Equal(60, options.HeartbeatIntervalSeconds);
        Assert.Equal(("/proc", "/sys", "/"), (options.HostProc, options.HostSys, options.HostRoot));
        Assert.Equal("unix:///var/run/docker.sock", options.DockerHost.Host);
        Assert.Equal("0.0.0.0:8443", options.HealthListen);
        Assert.Equal(new HealthListenAddress("0.0.0.0", 8443), options.HealthListenAddress);
        Assert.Equal("/var/lib/upanel-agent", options.StateDir);
        Assert.Equal(LogLevel.Information, options.LogLevel);
        Assert.Null(options.EnvFile);
        Assert.Equal(EnvFile, result.EnvFilePath);
        Assert.False(result.EnvFileLoaded);
    }

    [Fact]
    public void Host_roots_default_to_the_host_mounts_when_they_exist()
    {
        _files.Directories.UnionWith(["/host/proc", "/host/sys", "/host/root"]);

        var options = Load();

        Assert.Equal(("/host/proc", "/host/sys", "/host/root"), (options.HostProc, options.HostSys, options.HostRoot));
    }

    [Fact]
    public void Each_host_root_falls_back_on_its_own()
    {
        _files.Directories.Add("/host/proc");

        var options = Load();

        Assert.Equal(("/host/proc", "/sys", "/"), (options.HostProc, options.HostSys, options.HostRoot));
    }

    [Fact]
    public void Env_file_flag_replaces_the_default_env_file()
    {
        _files.Files[EnvFile] = "SERVER_ID=from-default\n";
        _files.Files["/etc/agent.env"] = "SERVER_ID=from-flag-file\n";
        _flags["ENV_FILE"] = "/etc/agent.env";

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        Assert.Equal("from-flag-file", result.Options.ServerId);
        Assert.Equal("/etc/agent.env", result.Options.EnvFile);
    }

    [Fact]
    public void A_missing_env_file_given_by_flag_is_a_problem_except_for_register()
    {
        _flags["ENV_FILE"] = "/etc/missing.env";
        var loader = new ConfigLoader(_environment, _files);

        var problem = Assert.Single(loader.Load(_flags).LoadProblems);
        Assert.Equal("ENV_FILE", problem.Setting);
        Assert.Contains("/etc/missing.env", problem.Message);
        Assert.Empty(loader.Load(_flags, envFileMayBeMissing: true).LoadProblems);
    }

    [Fact]
    public void Env_file_syntax_errors_name_the_file_and_line()
    {
        _files.Files[EnvFile] = $"PANEL_URL=https://panel.example.com\nAGENT_TOKEN=\"{Token}\nthis line is wrong\n";

        var problems = new ConfigLoader(_environment, _files).Load(_flags).LoadProblems;

        Assert.Equal(2, problems.Count);
        Assert.StartsWith($"{EnvFile}:2: unterminated double quote", problems[0].Message);
        Assert.StartsWith($"{EnvFile}:3: expected KEY=VALUE", problems[1].Message);
        Assert.All(problems, p => Assert.Contains("KEY=VALUE", p.Fix));
        Assert.All(problems, p => Assert.DoesNotContain(Token, p.Message));
    }

    [Fact]
    public void An_unreadable_env_file_is_a_problem_naming_it()
    {
        _files.Unreadable.Add(EnvFile);

        var problem = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal($"env file {EnvFile} cannot be read (permission denied)", problem.Problem);
    }

    [Fact]
    public void Empty_values_count_as_unset()
    {
        // Compose passes `PANEL_URL=${PANEL_URL}` as an empty string when the variable is unset.
        _environment["SERVER_ID"] = "";
        _environment["HEARTBEAT_INTERVAL"] = "  ";
        _files.Files[EnvFile] = "SERVER_ID=from-file\nHEARTBEAT_INTERVAL=\n";

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        Assert.Empty(result.LoadProblems);
        Assert.Equal("from-file", result.Options.ServerId);
        Assert.Equal(60, result.Options.HeartbeatIntervalSeconds);
    }

    [Fact]
    public void An_env_file_or_token_file_other_users_may_read_is_a_warning_naming_the_fix()
    {
        _files.Files[EnvFile] = $"AGENT_TOKEN={Token}\n";
        _files.OpenModes[EnvFile] = "0644";
        _environment["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        _files.Files["/run/secrets/agent_token"] = Token;
        _files.OpenModes["/run/secrets/agent_token"] = "0640";

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        Assert.Equal(
            [
                $"env file {EnvFile} holds AGENT_TOKEN and other users may read it (mode 0644): chmod 600 {EnvFile}",
                "AGENT_TOKEN_FILE /run/secrets/agent_token may be read by other users (mode 0640): chmod 600 /run/secrets/agent_token, or 400",
            ],
            result.Warnings);
        Assert.DoesNotContain(Token, string.Join("\n", result.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void The_real_file_system_reports_a_mode_other_users_may_read()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var open = ConfigFileSystem.Instance.ReadableByOthers(path);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            Assert.Equal("0604", open);
            Assert.Null(ConfigFileSystem.Instance.ReadableByOthers(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Agent_token_file_is_read_and_trimmed()
    {
        _environment["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        _files.Files["/run/secrets/agent_token"] = $"  {Token}\n";

        var options = Load();

        Assert.Equal(Token, options.AgentToken);
        Assert.Equal("/run/secrets/agent_token", options.AgentTokenFile);
    }

    [Fact]
    public void Agent_token_and_agent_token_file_in_one_layer_are_a_problem()
    {
        _environment["AGENT_TOKEN"] = Token;
        _environment["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        _files.Files["/run/secrets/agent_token"] = Token;

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        var problem = Assert.Single(result.LoadProblems);
        Assert.Equal("AGENT_TOKEN (from the environment) and AGENT_TOKEN_FILE (from the environment) are both set: keep only one of them", problem.Message);
        Assert.Null(result.Options.AgentToken);
    }

    [Fact]
    public void Agent_token_file_in_the_environment_beats_agent_token_in_the_env_file()
    {
        _files.Files[EnvFile] = "AGENT_TOKEN=token-from-env-file\n";
        _environment["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        _files.Files["/run/secrets/agent_token"] = Token + "\n";

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        Assert.Empty(result.LoadProblems);
        Assert.Equal(Token, result.Options.AgentToken);
        Assert.Equal("/run/secrets/agent_token", result.Options.AgentTokenFile);
    }

    [Fact]
    public void Agent_token_in_the_environment_beats_agent_token_file_in_the_env_file()
    {
        _files.Files[EnvFile] = "AGENT_TOKEN_FILE=/run/secrets/stale\n";
        _environment["AGENT_TOKEN"] = Token;

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        Assert.Empty(result.LoadProblems);
        Assert.Equal(Token, result.Options.AgentToken);
        Assert.Null(result.Options.AgentTokenFile);
    }

    [Fact]
    public void Agent_token_file_flag_beats_agent_token_in_the_environment()
    {
        _environment["AGENT_TOKEN"] = "token-from-environment";
        _flags["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        _files.Files["/run/secrets/agent_token"] = Token;

        var result = new ConfigLoader(_environment, _files).Load(_flags);

        Assert.Empty(result.LoadProblems);
        Assert.Equal(Token, result.Options.AgentToken);
    }

    [Fact]
    public void A_real_env_file_with_bom_crlf_export_quotes_comments_duplicates_and_no_final_newline_reads_as_meant()
    {
        var dir = Directory.CreateTempSubdirectory("upanel-config-").FullName;
        try
        {
            var path = Path.Join(dir, ".env");
            var text = "# written on Windows\r\nexport PANEL_URL=\"https://panel.example.com\" # the panel\r\n" +
                       "SERVER_ID=first\r\nSERVER_ID='01JSERVER'\r\n\r\nHEARTBEAT_INTERVAL=30\r\nAGENT_TOKEN=" + Token;
            File.WriteAllBytes(path, [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(text)]);
            _flags["ENV_FILE"] = path;

            var result = new ConfigLoader(_environment, ConfigFileSystem.Instance).Load(_flags);

            Assert.Empty(result.LoadProblems);
            Assert.Equal("https://panel.example.com/", result.Options.PanelUrl!.ToString());
            Assert.Equal("01JSERVER", result.Options.ServerId);
            Assert.Equal(30, result.Options.HeartbeatIntervalSeconds);
            Assert.Equal(Token, result.Options.AgentToken);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_env_file_that_is_a_directory_is_a_problem_saying_so_even_at_the_default_path()
    {
        _files.Directories.Add(EnvFile);

        var result = new ConfigLoader(_environment, _files).Load(_flags, envFileMayBeMissing: true);

        var problem = Assert.Single(result.LoadProblems);
        Assert.Equal("ENV_FILE", problem.Setting);
        Assert.StartsWith($"env file {EnvFile} is a directory: remove it", problem.Message);
        Assert.False(result.EnvFileLoaded);
    }

    [Fact]
    public void An_agent_token_file_that_is_a_directory_is_a_problem_saying_so()
    {
        _environment["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        _files.Directories.Add("/run/secrets/agent_token");

        var problem = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal("AGENT_TOKEN_FILE", problem.Setting);
        Assert.StartsWith("AGENT_TOKEN_FILE /run/secrets/agent_token from the environment is a directory: point it at the file", problem.Message);
    }

    [Theory]
    [InlineData(null, "not found")]
    [InlineData("unreadable", "permission denied")]
    [InlineData(" \n", "is empty")]
    public void A_bad_agent_token_file_is_a_problem(string? content, string reason)
    {
        _environment["AGENT_TOKEN_FILE"] = "/run/secrets/agent_token";
        if (content == "unreadable")
        {
            _files.Unreadable.Add("/run/secrets/agent_token");
        }
        else if (content is not null)
        {
            _files.Files["/run/secrets/agent_token"] = content;
        }

        var problem = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal("AGENT_TOKEN_FILE", problem.Setting);
        Assert.Contains("/run/secrets/agent_token", problem.Message);
        Assert.Contains(reason, problem.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://127.9.9.9", "http://127.9.9.9/")]
    [InlineData("http://localhost:8080/", "http://localhost:8080/")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080/")]
    [InlineData("https://panel.example.com", "https://panel.example.com/")]
    [InlineData("https://example.com/panel", "https://example.com/panel/")]
    public void Panel_url_accepts_https_and_loopback_http(string value, string expected)
    {
        _environment["PANEL_URL"] = value;

        Assert.Equal(expected, Load().PanelUrl!.ToString());
    }

    [Theory]
    [InlineData("http://panel.example.com", "uses plain http", "use https://panel.example.com/")]
    [InlineData("http://10.0.0.5:8000/x", "uses plain http", "use https://10.0.0.5:8000/x")]
    [InlineData("http://panel.localhost:8080", "uses plain http", "use https://panel.localhost:8080/")]
    [InlineData("ftp://panel.example.com", "is not an absolute http(s) URL", "panel's base URL")]
    [InlineData("panel.example.com", "is not an absolute http(s) URL", "panel's base URL")]
    [InlineData("/relative", "is not an absolute http(s) URL", "panel's base URL")]
    [InlineData("https://admin:hunter2@panel.example.com", "contains a user name or password", "remove the 'user:password@' part")]
    public void Panel_url_problems_name_the_setting_and_the_fix(string value, string problem, string fix)
    {
        _environment["PANEL_URL"] = value;

        var found = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal("PANEL_URL", found.Setting);
        Assert.StartsWith("PANEL_URL", found.Message);
        Assert.Contains(problem, found.Problem);
        Assert.Contains(fix, found.Fix);
        Assert.DoesNotContain("hunter2", found.Message);
    }

    [Theory]
    [InlineData("HEARTBEAT_INTERVAL", "4", "e.g. 60")]
    [InlineData("HEARTBEAT_INTERVAL", "3601", "e.g. 60")]
    [InlineData("HEARTBEAT_INTERVAL", "1m", "e.g. 60")]
    [InlineData("HEARTBEAT_INTERVAL", "-10", "e.g. 60")]
    [InlineData("HOST_PROC", "host/proc", "absolute path")]
    [InlineData("HOST_SYS", "sys", "absolute path")]
    [InlineData("HOST_ROOT", "./", "absolute path")]
    [InlineData("STATE_DIR", "state", "absolute path")]
    [InlineData("DOCKER_HOST", "/var/run/docker.sock", "unix:///var/run/docker.sock")]
    [InlineData("DOCKER_HOST", "unix://", "unix:///var/run/docker.sock")]
    [InlineData("DOCKER_HOST", "tcp://127.0.0.1", "tcp://host:port")]
    [InlineData("DOCKER_HOST", "https://127.0.0.1:2376", "unix:///var/run/docker.sock")]
    [InlineData("HEALTH_LISTEN", "8443", "0.0.0.0:8443")]
    [InlineData("HEALTH_LISTEN", "0.0.0.0:99999", "0.0.0.0:8443")]
    [InlineData("HEALTH_LISTEN", "0.0.0.0:0", "0.0.0.0:8443")]
    [InlineData("HEALTH_LISTEN", "no pe:80", "0.0.0.0:8443")]
    [InlineData("LOG_LEVEL", "verbose", "Information")]
    [InlineData("SERVER_ID", "two words", "register printed")]
    public void Malformed_values_are_problems_naming_the_setting_the_value_and_the_fix(string setting, string value, string fix)
    {
        _environment[setting] = value;
        _environment["AGENT_TOKEN"] = Token;

        var found = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal(setting, found.Setting);
        Assert.StartsWith($"{setting} '{value}' from the environment", found.Message);
        Assert.Contains(fix, found.Fix);
        Assert.DoesNotContain(Token, found.Message);
    }

    [Fact]
    public void A_docker_host_with_credentials_is_not_echoed()
    {
        _environment["DOCKER_HOST"] = "tcp://admin:hunter2@127.0.0.1:2375";

        var found = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal("DOCKER_HOST (a value with credentials) from the environment is not a unix:// or tcp:// address", found.Problem);
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("tab\there")]
    [InlineData("ünïcode")]
    [InlineData("right\u202Eto-left")]
    [InlineData("4097")]
    public void A_token_that_cannot_go_in_a_header_is_a_problem_that_does_not_echo_it(string token)
    {
        token = token == "4097" ? new string('t', 4097) : token;
        _environment["AGENT_TOKEN"] = token;

        var found = Assert.Single(new ConfigLoader(_environment, _files).Load(_flags).LoadProblems);

        Assert.Equal("AGENT_TOKEN", found.Setting);
        Assert.Equal("AGENT_TOKEN from the environment is longer than 4096 characters or contains whitespace, control or non-ASCII characters", found.Problem);
        Assert.DoesNotContain(token, found.Message);
    }

    [Fact]
    public void Run_needs_panel_url_server_id_and_token_and_says_how_to_get_them()
    {
        var problems = new ConfigLoader(_environment, _files).Load(_flags).ProblemsFor(ConfigNeeds.Panel);

        Assert.Equal(["PANEL_URL", "SERVER_ID", "AGENT_TOKEN"], problems.Select(p => p.Setting));
        Assert.Equal(
            "PANEL_URL is not set: run `INSTALL_TOKEN=<token> upanel-agent register --panel-url URL` or set PANEL_URL in /opt/upanel-agent/.env",
            problems[0].Message);
        Assert.All(problems, p => Assert.Contains("upanel-agent register", p.Fix));
        Assert.Contains("AGENT_TOKEN_FILE", problems[2].Fix);
    }

    [Fact]
    public void A_malformed_panel_url_is_reported_once_not_also_as_missing()
    {
        _environment["PANEL_URL"] = "nonsense";

        var problems = new ConfigLoader(_environment, _files).Load(_flags).ProblemsFor(ConfigNeeds.Panel);

        Assert.Single(problems, p => p.Setting == "PANEL_URL");
    }

    [Fact]
    public void Collect_ignores_problems_of_panel_settings_but_not_of_local_ones()
    {
        _environment["PANEL_URL"] = "nonsense";
        _environment["AGENT_TOKEN_FILE"] = "/missing";
        _environment["HOST_PROC"] = "relative";

        var problems = new ConfigLoader(_environment, _files).Load(_flags).ProblemsFor(ConfigNeeds.Local);

        Assert.Equal(["HOST_PROC"], problems.Select(p => p.Setting));
    }

    [Fact]
    public void Register_needs_a_panel_url_only()
    {
        _environment["AGENT_TOKEN_FILE"] = "/missing";

        var problems = new ConfigLoader(_environment, _files).Load(_flags).ProblemsFor(ConfigNeeds.Registration);

        var problem = Assert.Single(problems);
        Assert.Equal("PANEL_URL is not set: pass --panel-url URL (the panel's base URL, e.g. https://panel.example.com) or set PANEL_URL", problem.Message);
    }

    [Fact]
    public void No_problem_message_and_no_ToString_contains_the_token()
    {
        _files.Files[EnvFile] = $"AGENT_TOKEN={Token}\nbroken line {Token}\nAGENT_TOKEN_FILE=/t\nPANEL_URL=http://x.example/\nHEARTBEAT_INTERVAL=0\n";
        _files.Files["/t"] = Token;
        var result = new ConfigLoader(_environment, _files).Load(_flags);

        var all = result.ProblemsFor(ConfigNeeds.Panel);
        Assert.True(all.Count >= 4);
        Assert.All(all, p => Assert.DoesNotContain(Token, p.Message + p.ToString()));

        _files.Files[EnvFile] = $"AGENT_TOKEN={Token}\n";
        var options = new ConfigLoader(_environment, _files).Load(_flags).Options;
        Assert.Equal(Token, options.AgentToken);
        Assert.DoesNotContain(Token, options.ToString());
        Assert.Contains("AGENT_TOKEN=(set)", options.ToString());
    }

    private AgentOptions Load()
    {
        var result = new ConfigLoader(_environment, _files).Load(_flags);
        Assert.Empty(result.LoadProblems);
        return result.Options;
    }

    private void SetLayer(string setting, string layer)
    {
        var value = Value(setting, layer);
        if (setting == "AGENT_TOKEN_FILE")
        {
            _files.Files[value] = $"token-from-{layer}\n";
        }

        switch (layer)
        {
            case "flag":
                _flags[setting] = value;
                break;
            case "env":
                _environment[setting] = value;
                break;
            default:
                _files.Files.TryGetValue(EnvFile, out var text);
                _files.Files[EnvFile] = text + $"{setting}={value}\n";
                break;
        }
    }

    private static string Value(string setting, string layer)
    {
        var n = layer switch { "flag" => 1, "env" => 2, _ => 3 };
        return setting switch
        {
            "PANEL_URL" => $"https://{layer}.example.com/",
            "HEARTBEAT_INTERVAL" => (n * 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "HOST_PROC" or "HOST_SYS" or "HOST_ROOT" or "STATE_DIR" or "AGENT_TOKEN_FILE" => $"/{layer}/{setting.ToLowerInvariant()}",
            "DOCKER_HOST" => $"unix:///{layer}/docker.sock",
            "HEALTH_LISTEN" => $"127.0.0.1:{8000 + n}",
            "LOG_LEVEL" => layer == "env" ? "Debug" : "Warning",
            _ => $"{setting.ToLowerInvariant()}-from-{layer}",
        };
    }

    private static string Expected(string setting, string layer) => setting switch
    {
        "AGENT_TOKEN_FILE" => $"token-from-{layer}",
        _ => Value(setting, layer),
    };

    private static string Actual(string setting, AgentOptions options) => setting switch
    {
        "PANEL_URL" => options.PanelUrl!.ToString(),
        "SERVER_ID" => options.ServerId!,
        "AGENT_TOKEN" or "AGENT_TOKEN_FILE" => options.AgentToken!,
        "HEARTBEAT_INTERVAL" => options.HeartbeatIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "HOST_PROC" => options.HostProc,
        "HOST_SYS" => options.HostSys,
        "HOST_ROOT" => options.HostRoot,
        "STATE_DIR" => options.StateDir,
        "DOCKER_HOST" => options.DockerHost.Host,
        "HEALTH_LISTEN" => options.HealthListen,
        "LOG_LEVEL" => options.LogLevel.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(setting)),
    };
}
