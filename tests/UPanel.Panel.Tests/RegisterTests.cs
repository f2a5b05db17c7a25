using System.Net;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Cli;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

public abstract class RegisterTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task Register_returns_a_ulid_server_a_64_character_token_and_the_panel_url()
    {
        var registered = await Panel.RegisterAsync(await Panel.CreateInstallTokenAsync(), "prod-server-1", "machine-a");

        Assert.Equal("ok", registered.Status);
        Assert.True(Ulid.TryParse(registered.ServerId, out _), registered.ServerId);
        Assert.Equal(26, registered.ServerId.Length);
        Assert.Equal(64, registered.AgentToken.Length);
        Assert.All(registered.AgentToken, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
        Assert.Equal(Panel.BaseAddress.ToString().TrimEnd('/'), registered.PanelUrl);
        Assert.Equal(60, registered.NextHeartbeatSeconds);

        var server = await Panel.AdminGetAsync($"/api/admin/servers/{registered.ServerId}");
        Assert.Equal("prod-server-1", server.GetProperty("hostname").GetString());
        Assert.Equal("never_seen", server.GetProperty("status").GetString());
        Assert.Equal(8192, server.GetProperty("ram_mb").GetInt64());
    }

    [Fact]
    public async Task Two_registrations_get_different_tokens()
    {
        var first = await Panel.NewServerAsync();
        var second = await Panel.NewServerAsync();

        Assert.NotEqual(first.ServerId, second.ServerId);
        Assert.NotEqual(first.AgentToken, second.AgentToken);
    }

    [Fact]
    public async Task Repeated_register_from_the_same_machine_returns_the_same_server_and_retires_the_lost_token()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var lost = await Panel.RegisterAsync(installToken, "web-1", "machine-repeat");

        var again = await Panel.RegisterAsync(installToken, "web-1", "machine-repeat");

        Assert.Equal(lost.ServerId, again.ServerId);
        Assert.NotEqual(lost.AgentToken, again.AgentToken);
        await Panel.HeartbeatOkAsync(again.AgentToken, Panel.NewHeartbeat(again.ServerId));
        using var withLost = await Panel.PostHeartbeatAsync(lost.AgentToken, Panel.NewHeartbeat(lost.ServerId));
        await Auth.AssertUnauthorizedAsync(withLost);
        var servers = await Panel.AdminGetAsync("/api/admin/servers");
        Assert.Single(servers.GetProperty("servers").EnumerateArray(), s => s.GetProperty("id").GetString() == lost.ServerId);
    }

    [Fact]
    public async Task A_lost_token_that_authenticated_a_refused_heartbeat_stops_working_when_the_machine_registers_again()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var lost = await Panel.RegisterAsync(installToken, "web-2", "machine-repeat-refused");
        // Authenticated (on SQLite its credentials are kept), refused after: the server has still never reported.
        using (var refused = await Panel.PostHeartbeatAsync(lost.AgentToken, Panel.NewHeartbeat("not-" + lost.ServerId)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var again = await Panel.RegisterAsync(installToken, "web-2", "machine-repeat-refused");

        Assert.Equal(lost.ServerId, again.ServerId);
        using var withLost = await Panel.PostHeartbeatAsync(lost.AgentToken, Panel.NewHeartbeat(lost.ServerId));
        await Auth.AssertUnauthorizedAsync(withLost);
        await Panel.HeartbeatOkAsync(again.AgentToken, Panel.NewHeartbeat(again.ServerId));
    }

    [Fact]
    public async Task Repeated_register_without_machine_id_matches_on_hostname()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var first = await Panel.RegisterAsync(installToken, "Host-Without-Id");

        var again = await Panel.RegisterAsync(installToken, "host-without-id");

        Assert.Equal(first.ServerId, again.ServerId);
    }

    [Fact]
    public async Task A_used_install_token_from_another_machine_is_rejected()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        await Panel.RegisterAsync(installToken, "web-1", "machine-one");

        using var other = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", installToken, PanelHost.RegisterBody("web-2", "machine-two"));
        using var otherHost = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", installToken, PanelHost.RegisterBody("web-2"));

        await Auth.AssertUnauthorizedAsync(other);
        await Auth.AssertUnauthorizedAsync(otherHost);
    }

    [Fact]
    public async Task Unknown_missing_and_expired_install_tokens_get_the_same_401()
    {
        var expiring = await Panel.CreateInstallTokenAsync(TimeSpan.FromMinutes(1));
        var usedThenExpired = await Panel.CreateInstallTokenAsync(TimeSpan.FromMinutes(2));
        await Panel.RegisterAsync(usedThenExpired, "late", "machine-late");
        Panel.Time.Advance(TimeSpan.FromMinutes(2));

        foreach (var token in new[] { "no-such-token", expiring, usedThenExpired, Panel.AdminKey })
        {
            using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", token, PanelHost.RegisterBody("late", "machine-late"));
            await Auth.AssertUnauthorizedAsync(response);
        }

        using var missing = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", null, PanelHost.RegisterBody());
        await Auth.AssertUnauthorizedAsync(missing);
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_registration_yield_one_server()
    {
        var installToken = await Panel.CreateInstallTokenAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", installToken, PanelHost.RegisterBody("racer", "machine-race"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ContractsJsonContext.Default.RegisterResponse)!;
        }));

        Assert.Single(responses.Select(r => r.ServerId).Distinct());
        Assert.Equal(0, Panel.UnhandledErrors);
    }

    [Fact]
    public async Task One_install_token_raced_from_eight_machines_registers_exactly_one()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var before = (await Panel.AdminGetAsync("/api/admin/servers")).GetProperty("servers").GetArrayLength();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", installToken, PanelHost.RegisterBody($"racer-{i}", $"machine-racer-{i}"));
            return response.StatusCode;
        }));

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(before + 1, (await Panel.AdminGetAsync("/api/admin/servers")).GetProperty("servers").GetArrayLength());
        Assert.Equal(0, Panel.UnhandledErrors);
    }

    [Fact]
    public async Task Invalid_registration_names_the_field_and_leaves_the_install_token_unused()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var before = await DatabaseSnapshot.TakeAsync(fixture);

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", installToken,
            """{"hostname":"x","os_version":"Debian","cpu_cores":0,"ram_mb":8192,"disk_gb":100,"agent_version":"1.0.0"}""");

        var error = await PanelHost.ReadJsonAsync(response, 400);
        Assert.Equal("cpu_cores", error.GetProperty("field").GetString());
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture));
        await Panel.RegisterAsync(installToken, "x", "machine-x");
    }

    [Fact]
    public async Task Admin_api_creates_install_tokens_with_or_without_a_body_and_checks_the_lifetime()
    {
        using var bare = await Panel.SendAsync(HttpMethod.Post, "/api/admin/install-tokens", Panel.AdminKey);
        using var oneHour = await Panel.SendAsync(HttpMethod.Post, "/api/admin/install-tokens", Panel.AdminKey, """{"expires_in_seconds":3600}""");
        using var tooLong = await Panel.SendAsync(HttpMethod.Post, "/api/admin/install-tokens", Panel.AdminKey, """{"expires_in_seconds":99999999}""");

        var now = Panel.Time.GetUtcNow();
        var defaultToken = await PanelHost.ReadJsonAsync(bare, 200);
        Assert.Equal($"{now.AddHours(24):yyyy-MM-dd'T'HH:mm:ss'Z'}", defaultToken.GetProperty("expires_at").GetString());
        Assert.Equal(64, defaultToken.GetProperty("install_token").GetString()!.Length);
        Assert.Equal($"{now.AddHours(1):yyyy-MM-dd'T'HH:mm:ss'Z'}", (await PanelHost.ReadJsonAsync(oneHour, 200)).GetProperty("expires_at").GetString());
        Assert.Equal("expires_in_seconds", (await PanelHost.ReadJsonAsync(tooLong, 400)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Command_line_install_token_prints_only_the_token_and_it_registers()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await InstallTokenCommand.RunAsync(Panel.Options, TimeSpan.FromHours(1), stdout, stderr);

        Assert.Equal(0, exit);
        var printed = stdout.ToString();
        Assert.Matches("^[A-Za-z0-9]{64}\n$", printed);
        Assert.Contains("expires", stderr.ToString(), StringComparison.Ordinal);
        var registered = await Panel.RegisterAsync(printed.Trim(), "cli-host", "machine-cli");
        Assert.Equal(26, registered.ServerId.Length);
    }
}
