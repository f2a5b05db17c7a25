using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// The real agent binary over https (its own HTTP client on SslStream) to the real panel behind a TLS terminator with a
/// self-signed certificate, trusted the way a user would: SSL_CERT_FILE.
/// </summary>
public sealed class AgentOverHttpsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-e2e-https-").FullName;

    [Fact]
    public async Task Agent_registers_and_reports_over_https_reusing_one_tls_session()
    {
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });
        var certificate = Path.Combine(_dir, "panel-cert.pem");
        await using var tls = new TlsTerminator(panel.BaseAddress.Port, certificate);
        var installToken = await panel.CreateInstallTokenAsync();
        var envFile = Path.Combine(_dir, "agent.env");

        var (registerExit, registerOutput) = await AgentProcess.RunAsync(
            ["register", "--panel-url", tls.Url.ToString(), "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = installToken, ["SSL_CERT_FILE"] = certificate });

        Assert.True(registerExit == 0, registerOutput);
        var settings = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile(envFile);
        Assert.Equal(tls.Url.ToString().TrimEnd('/'), settings["PANEL_URL"]);
        using (var response = await panel.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{settings["SERVER_ID"]}/settings", panel.AdminKey, """{"next_heartbeat_seconds":5}"""))
        {
            await PanelHost.ReadJsonAsync(response, 200);
        }

        var sessionsBeforeRun = tls.Sessions;
        using var agent = await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--health-listen", "off", "--state-dir", Path.Combine(_dir, "state"),
             "--docker-host", $"unix://{Path.Combine(_dir, "no-docker.sock")}"],
            new Dictionary<string, string> { ["SSL_CERT_FILE"] = certificate });

        await Poll.UntilAsync(
            () => panel.AdminGetAsync($"/api/admin/servers/{settings["SERVER_ID"]}/heartbeats"), page => page.GetProperty("heartbeats").GetArrayLength() >= 3,
            "three heartbeats over https", TimeSpan.FromSeconds(30));

        // Three heartbeats (the first at the agent's interval, then the panel's 5 s), one TLS handshake: the connection is kept.
        Assert.Equal(1, tls.Sessions - sessionsBeforeRun);
        Assert.Equal(0, await agent.TerminateAsync());
        foreach (var output in new[] { registerOutput, agent.Output })
        {
            Assert.DoesNotContain(settings["AGENT_TOKEN"], output);
            Assert.DoesNotContain(installToken, output);
        }
    }

    [Fact]
    public async Task Register_against_an_untrusted_certificate_says_how_to_trust_it_and_sends_nothing()
    {
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });
        await using var tls = new TlsTerminator(panel.BaseAddress.Port, Path.Combine(_dir, "panel-cert.pem"));
        var installToken = await panel.CreateInstallTokenAsync();
        var envFile = Path.Combine(_dir, "agent.env");

        var (exit, output) = await AgentProcess.RunAsync(
            ["register", "--panel-url", tls.Url.ToString(), "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = installToken });

        Assert.NotEqual(0, exit);
        Assert.Contains($"TLS: the certificate of 127.0.0.1 is not trusted", output);
        Assert.Contains("SSL_CERT_FILE", output);
        Assert.DoesNotContain(installToken, output);
        Assert.False(File.Exists(envFile));
        Assert.Equal(0, tls.ForwardedBytes);
    }

    [Fact]
    public async Task Register_with_https_to_the_plain_http_panel_says_it_answered_in_plain_http_and_how_to_fix_it()
    {
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });
        var installToken = await panel.CreateInstallTokenAsync();
        var port = panel.BaseAddress.Port;
        var envFile = Path.Combine(_dir, "agent.env");

        var (exit, output) = await AgentProcess.RunAsync(
            ["register", "--panel-url", $"https://127.0.0.1:{port}", "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = installToken });

        Assert.NotEqual(0, exit);
        Assert.Equal(
            $"upanel-agent: register failed: cannot talk to the panel at PANEL_URL=https://127.0.0.1:{port}/ (POST https://127.0.0.1:{port}/api/agent/register: " +
            $"TLS: the server at 127.0.0.1:{port} answered in plain HTTP, not TLS: use http:// in PANEL_URL, " +
            "or put a TLS terminator (a reverse proxy with a certificate) in front of it)",
            output.Trim());
        Assert.False(File.Exists(envFile));
    }

    [Fact]
    public async Task Register_with_http_to_the_tls_port_says_the_server_may_serve_https()
    {
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });
        await using var tls = new TlsTerminator(panel.BaseAddress.Port, Path.Combine(_dir, "panel-cert.pem"));
        var installToken = await panel.CreateInstallTokenAsync();
        var plain = $"http://127.0.0.1:{tls.Url.Port}";
        var envFile = Path.Combine(_dir, "agent.env");

        var (exit, output) = await AgentProcess.RunAsync(
            ["register", "--panel-url", plain, "--env-file", envFile], new Dictionary<string, string> { ["INSTALL_TOKEN"] = installToken });

        Assert.NotEqual(0, exit);
        // The TLS server drops the plain request unanswered; with the request unread, its close may be a reset (named then).
        Assert.StartsWith(
            $"upanel-agent: register failed: cannot reach the panel at PANEL_URL={plain}/ (POST {plain}/api/agent/register: " +
            $"the server at 127.0.0.1:{tls.Url.Port} closed the connection without answering",
            output.Trim(), StringComparison.Ordinal);
        Assert.Contains(
            ": if that port serves https (a TLS-only server closes on a plain HTTP request), use https:// in PANEL_URL): check PANEL_URL",
            output, StringComparison.Ordinal);
        Assert.DoesNotContain(installToken, output);
        Assert.Equal(0, tls.ForwardedBytes);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }
}
