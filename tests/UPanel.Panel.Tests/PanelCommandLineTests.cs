using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tests;

public sealed class PanelCommandLineTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["UPANEL_DATA_DIR"] = "/env/data",
        ["UPANEL_RETENTION_DAYS"] = "10",
        ["UPANEL_POSTGRES"] = "Host=env",
        ["UPANEL_PUBLIC_URL"] = "https://panel.example.com",
    };

    [Fact]
    public void Flags_win_over_environment_and_host_arguments_pass_through()
    {
        var parsed = PanelCommandLine.Parse(["--urls", "http://127.0.0.1:9000", "--data-dir", "/flag/data", "--retention-days=3"], Get);

        Assert.Equal("run", parsed.Command);
        Assert.Equal("/flag/data", parsed.Options.DataDirectory);
        Assert.Equal(3, parsed.Options.RetentionDays);
        Assert.Equal("Host=env", parsed.Options.PostgresConnectionString);
        Assert.Equal("https://panel.example.com", parsed.Options.PublicUrl);
        Assert.Equal(["--urls", "http://127.0.0.1:9000"], parsed.HostArgs);
    }

    [Fact]
    public void Asp_net_core_settings_pass_through_with_their_values()
    {
        var parsed = PanelCommandLine.Parse(["--environment", "Development", "--Logging:LogLevel:Default", "Warning", "--URLS=http://127.0.0.1:9000", "--data-dir", "/d"], Get);

        Assert.Equal(["--environment", "Development", "--Logging:LogLevel:Default", "Warning", "--URLS=http://127.0.0.1:9000"], parsed.HostArgs);
        Assert.Equal("/d", parsed.Options.DataDirectory);
    }

    [Theory]
    [InlineData("install-tokens", "create")]
    [InlineData("serve", "--urls")]
    [InlineData("instal-token", "create")]
    public void A_mistyped_command_is_refused_and_the_commands_are_named(string command, string next)
    {
        // Before, it started a panel on ./data: a database and an admin key where nobody meant to make them.
        var error = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse([command, next], _ => null));

        Assert.Equal($"unknown command '{command}': the commands are run (the default), install-token create, version and help (upanel-panel --help)", error.Message);
    }

    [Theory]
    [InlineData("--data-dri", "/srv/panel")]
    [InlineData("--datadir", "/srv/panel")]
    [InlineData("--public_url", "https://panel.example.com")]
    [InlineData("--port", "8080")]
    public void A_mistyped_option_is_refused_rather_than_ignored(string option, string value)
    {
        var error = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse(["--urls", "http://127.0.0.1:8080", option, value], _ => null));

        Assert.StartsWith($"unknown option '{option}': the panel's are --data-dir, --retention-days, --public-url, --heartbeat-seconds and --trusted-proxies", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expires_outside_install_token_create_says_where_it_belongs()
    {
        var error = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse(["--expires", "24h"], _ => null));

        Assert.Equal("--expires belongs to install-token create: upanel-panel install-token create --expires 24h", error.Message);
    }

    [Fact]
    public void Defaults_apply_without_flags_or_environment()
    {
        var parsed = PanelCommandLine.Parse([], _ => null);

        Assert.Equal("data", parsed.Options.DataDirectory);
        Assert.Equal(30, parsed.Options.RetentionDays);
        Assert.False(parsed.Options.UsesPostgres);
        Assert.Equal(60, parsed.Options.DefaultHeartbeatSeconds);
    }

    [Theory]
    [InlineData("24h", 86400)]
    [InlineData("30m", 1800)]
    [InlineData("7d", 604800)]
    [InlineData("90s", 90)]
    [InlineData("120", 120)]
    public void Install_token_create_reads_the_lifetime(string expires, int seconds)
    {
        var parsed = PanelCommandLine.Parse(["install-token", "create", "--expires", expires], Get);

        Assert.Equal("install-token-create", parsed.Command);
        Assert.Equal(TimeSpan.FromSeconds(seconds), parsed.Expires);
    }

    [Theory]
    [InlineData("--retention-days", "0", "--retention-days")]
    [InlineData("--retention-days", "ten", "--retention-days")]
    [InlineData("--heartbeat-seconds", "1", "--heartbeat-seconds")]
    [InlineData("--public-url", "panel.example.com", "UPANEL_PUBLIC_URL")]
    [InlineData("--trusted-proxies", "127.0.0.1,nginx.internal", "--trusted-proxies")]
    [InlineData("--trusted-proxies", "10.0.0.0/33", "--trusted-proxies")]
    public void A_bad_setting_names_itself_and_the_fix(string flag, string value, string named)
    {
        var error = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse([flag, value], _ => null));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trusted_proxies_are_addresses_or_networks_from_the_environment_or_the_flag()
    {
        var fromEnvironment = PanelCommandLine.Parse([], name => name == "UPANEL_TRUSTED_PROXIES" ? "127.0.0.1, 10.0.0.0/8 ::1" : null);
        var fromFlag = PanelCommandLine.Parse(["--trusted-proxies=192.168.1.0/24"], name => name == "UPANEL_TRUSTED_PROXIES" ? "127.0.0.1" : null);

        Assert.Equal(["127.0.0.1/32", "10.0.0.0/8", "::1/128"], fromEnvironment.Options.TrustedProxies.Select(n => n.ToString()));
        Assert.Equal(["192.168.1.0/24"], fromFlag.Options.TrustedProxies.Select(n => n.ToString()));
        Assert.Empty(PanelCommandLine.Parse([], _ => null).Options.TrustedProxies);
    }

    [Fact]
    public void A_short_admin_key_is_refused()
    {
        var error = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse([], name => name == "UPANEL_ADMIN_KEY" ? "short" : null));

        Assert.Contains("UPANEL_ADMIN_KEY", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1w")]
    [InlineData("-5m")]
    [InlineData("")]
    [InlineData("h")]
    public void A_bad_install_token_lifetime_is_refused(string expires)
    {
        Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse(["install-token", "create", "--expires", expires], _ => null));
    }

    [Fact]
    public void A_connection_string_on_the_command_line_is_refused_with_the_environment_as_the_fix()
    {
        var error = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse(["--postgres", "Host=db;Password=secret"], _ => null));

        Assert.Contains("UPANEL_POSTGRES", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UPANEL_POSTGRES")]
    [InlineData("UPANEL_ADMIN_KEY")]
    [InlineData("UPANEL_TOKEN_KEY")]
    [InlineData("UPANEL_SMTP_PASSWORD")]
    public void A_secret_is_read_from_its_file_variable_and_not_from_both(string name)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "Host=db;Password=from-a-docker-secret\n");

            var parsed = PanelCommandLine.Parse([], n => n == name + "_FILE" ? file : null);
            var both = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse([], n => n == name + "_FILE" ? file : n == name ? "Host=env;Password=x" : null));
            var missing = Assert.Throws<PanelUsageException>(() => PanelCommandLine.Parse([], n => n == name + "_FILE" ? file + ".missing" : null));

            var value = name switch
            {
                "UPANEL_POSTGRES" => parsed.Options.PostgresConnectionString,
                "UPANEL_ADMIN_KEY" => parsed.Options.AdminKey,
                "UPANEL_SMTP_PASSWORD" => parsed.Options.SmtpPassword,
                _ => parsed.Options.TokenKey,
            };
            Assert.Equal("Host=db;Password=from-a-docker-secret", value);
            Assert.Contains($"{name} and {name}_FILE are both set", both.Message, StringComparison.Ordinal);
            Assert.Contains($"{name}_FILE: cannot read", missing.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Password", both.Message + missing.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? Get(string name) => Environment.GetValueOrDefault(name);
}
