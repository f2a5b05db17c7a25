using System.Security.Cryptography;
using System.Text.Json;
using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Contract;

/// <summary>
/// The real agent binary reports into <see cref="MinimalPanel"/>, a panel written from the seed alone (docs/compatibility.md):
/// a register answer without panel_url and with a JWT-sized token, heartbeat answers of only {"status":"ok"}, a rotation.
/// Every body it sends follows docs/openapi.json, with the Docker engine up and with its socket gone.
/// </summary>
public sealed class MinimalPanelTests : IDisposable
{
    private static readonly TimeSpan AMinute = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-minimal-panel-").FullName;
    private readonly string _prefix = $"upanel-minimal-{Guid.NewGuid():N}"[..24];
    private readonly List<string> _containers = [];

    [Fact]
    public async Task The_agent_registers_reports_and_rotates_its_token_with_a_panel_written_from_the_seed()
    {
        RequiredServices.Docker();
        var container = await DockerCli.StartAsync($"{_prefix}-app", [], "sleep", "3600");
        _containers.Add(container);
        var (firstToken, secondToken) = (Jwt(), Jwt());
        var port = AgentEndToEndTests<SqlitePanelFixture>.FreePort();
        using var panel = new MinimalPanel($"http://127.0.0.1:{port}/", "install-" + Guid.NewGuid().ToString("N"), firstToken);
        var envFile = Path.Combine(_dir, "agent.env");

        var (registerExit, registerOutput) = await AgentProcess.RunAsync(
            ["register", "--panel-url", $"http://127.0.0.1:{port}", "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = panel.InstallToken });

        Assert.True(registerExit == 0, registerOutput);
        var settings = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile(envFile);
        Assert.Equal(firstToken, settings["AGENT_TOKEN"]);
        Assert.Equal("srv-1", settings["SERVER_ID"]);
        Assert.Equal($"http://127.0.0.1:{port}", settings["PANEL_URL"].TrimEnd('/'));
        var register = Assert.Single(panel.Received);
        OpenApiContract.AssertValid("RegisterRequest", register.Body, "the agent's register body");

        using var agent = await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--heartbeat-interval", "5", "--health-listen", $"127.0.0.1:{AgentEndToEndTests<SqlitePanelFixture>.FreePort()}",
             "--state-dir", Path.Combine(_dir, "state"), "--docker-host", $"unix://{RequiredServices.DockerSocket}"]);
        await WaitForHeartbeatsAsync(panel, 2, agent);
        panel.RotateTo = secondToken;
        await Poll.UntilAsync(() => Heartbeats(panel).Count(h => h.Authorization == $"Bearer {secondToken}") >= 2, "two heartbeats with the rotated token", AMinute, () => agent.Output);
        Assert.Equal(0, await agent.TerminateAsync());

        var heartbeats = Heartbeats(panel);
        foreach (var heartbeat in heartbeats)
        {
            OpenApiContract.AssertValid("Heartbeat", heartbeat.Body, "a heartbeat of the real agent");
        }

        // The rotated token takes over at the next send and stays; nothing else is ever presented.
        var tokens = heartbeats.Select(h => h.Authorization).ToList();
        var switchAt = tokens.IndexOf($"Bearer {secondToken}");
        Assert.True(switchAt >= 2, string.Join(", ", tokens.Select(t => t?.Length)));
        Assert.All(tokens[..switchAt], t => Assert.Equal($"Bearer {firstToken}", t));
        Assert.All(tokens[switchAt..], t => Assert.Equal($"Bearer {secondToken}", t));
        var last = JsonDocument.Parse(heartbeats[^1].Body).RootElement;
        Assert.Equal("srv-1", last.GetProperty("server_id").GetString());
        Assert.Contains($"{_prefix}-app", last.GetProperty("containers").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        foreach (var output in new[] { registerOutput, agent.Output })
        {
            Assert.DoesNotContain(firstToken, output);
            Assert.DoesNotContain(secondToken, output);
            Assert.DoesNotContain(panel.InstallToken, output);
        }
    }

    [Fact]
    public async Task Without_the_docker_socket_the_heartbeat_still_follows_the_document()
    {
        var token = Jwt();
        var port = AgentEndToEndTests<SqlitePanelFixture>.FreePort();
        using var panel = new MinimalPanel($"http://127.0.0.1:{port}/", "unused", token);

        using var agent = await AgentProcess.StartAsync(
            ["run", "--heartbeat-interval", "5", "--health-listen", $"127.0.0.1:{AgentEndToEndTests<SqlitePanelFixture>.FreePort()}",
             "--state-dir", Path.Combine(_dir, "state"), "--docker-host", $"unix://{Path.Combine(_dir, "no-docker.sock")}"],
            new Dictionary<string, string> { ["PANEL_URL"] = $"http://127.0.0.1:{port}", ["SERVER_ID"] = "srv-1", ["AGENT_TOKEN"] = token });
        await WaitForHeartbeatsAsync(panel, 2, agent);
        Assert.Equal(0, await agent.TerminateAsync());

        foreach (var heartbeat in Heartbeats(panel))
        {
            OpenApiContract.AssertValid("Heartbeat", heartbeat.Body, "a heartbeat of the real agent without Docker");
            Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(heartbeat.Body).RootElement.GetProperty("containers").ValueKind);
        }
    }

    [Fact]
    public void Docs_compatibility_shows_the_tested_minimal_panel()
    {
        static string Region(string text)
        {
            var start = text.IndexOf("// <minimal-panel>", StringComparison.Ordinal);
            var end = text.IndexOf("// </minimal-panel>", StringComparison.Ordinal);
            Assert.True(start >= 0 && end > start, "the <minimal-panel> markers are missing");
            return string.Join('\n', text[start..end].Split('\n').Select(line => line.Trim()));
        }

        var tested = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Contract", "MinimalPanel.cs"));
        var documented = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "compatibility.md"));

        Assert.Equal(Region(tested), Region(documented));
    }

    public void Dispose()
    {
        DockerCli.RemoveAsync(_containers).GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A token in JWT form, as a Laravel panel (Sanctum/Passport) may issue: dots, base64url, about 2.7 KB.</summary>
    private static string Jwt() =>
        $"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{Base64Url(RandomNumberGenerator.GetBytes(2000))}.{Base64Url(RandomNumberGenerator.GetBytes(32))}";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static List<(string Path, string? Authorization, string Body)> Heartbeats(MinimalPanel panel) =>
        [.. panel.Received.Where(r => r.Path == "/api/agent/heartbeat")];

    private static Task WaitForHeartbeatsAsync(MinimalPanel panel, int count, AgentProcess agent) =>
        Poll.UntilAsync(() => Heartbeats(panel).Count >= count, $"{count} heartbeats", AMinute, () => agent.Output);
}
