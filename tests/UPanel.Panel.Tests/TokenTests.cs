using System.Net;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

public abstract class TokenTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task Every_agent_auth_failure_is_the_same_401()
    {
        var revoked = await Panel.NewServerAsync();
        await Panel.HeartbeatOkAsync(revoked.AgentToken, Panel.NewHeartbeat(revoked.ServerId));
        using (var revoke = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{revoked.ServerId}/revoke", Panel.AdminKey))
        {
            await PanelHost.ReadJsonAsync(revoke, 200);
        }

        var installToken = await Panel.CreateInstallTokenAsync();
        var body = JsonSerializer.Serialize(Panel.NewHeartbeat(revoked.ServerId), ContractsJsonContext.Default.Heartbeat);
        var candidates = new[]
        {
            revoked.AgentToken,
            revoked.AgentToken[..63],
            revoked.AgentToken + "x",
            revoked.AgentToken.ToUpperInvariant(),
            "not-a-token",
            new string('a', 64),
            new string('a', 300),
            installToken,
            Panel.AdminKey,
        };
        foreach (var token in candidates)
        {
            using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", token, body);
            await Auth.AssertUnauthorizedAsync(response);
        }

        using var missing = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", null, body);
        await Auth.AssertUnauthorizedAsync(missing);
        using var basic = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic " + revoked.AgentToken);
        using var basicResponse = await Panel.Client.SendAsync(basic, TestContext.Current.CancellationToken);
        await Auth.AssertUnauthorizedAsync(basicResponse);
    }

    [Fact]
    public async Task Revocation_is_immediate()
    {
        var server = await Panel.NewServerAsync();
        await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));

        using (var revoke = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/revoke", Panel.AdminKey))
        {
            Assert.Equal("revoked", (await PanelHost.ReadJsonAsync(revoke, 200)).GetProperty("status").GetString());
        }

        using var after = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        await Auth.AssertUnauthorizedAsync(after);
    }

    [Fact]
    public async Task Rotation_hands_the_new_token_out_in_band_and_the_old_one_works_until_the_new_one_is_used()
    {
        var server = await Panel.NewServerAsync();
        var rotated = await RotateAsync(server.ServerId);

        var first = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        // The response may have been lost: the old token still works and gets the same new token again.
        var repeat = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        var withNew = await Panel.HeartbeatOkAsync(rotated, Panel.NewHeartbeat(server.ServerId));
        using var oldAfterUse = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));

        SecretAssert.Same(rotated, first.NewAgentToken, "rotated token in the answer");
        SecretAssert.Same(rotated, repeat.NewAgentToken, "rotated token in the repeated answer");
        Assert.Null(withNew.NewAgentToken);
        await Auth.AssertUnauthorizedAsync(oldAfterUse);
        var state = await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.False(state.GetProperty("token_rotation_pending").GetBoolean());
    }

    [Fact]
    public async Task A_token_in_use_before_its_rotation_gets_the_new_token_in_the_next_answer_and_stops_once_it_is_used()
    {
        // Authenticated before the rotation: on SQLite the panel keeps its credentials (CredentialsCache), and the
        // rotation, the new token's first use and a revocation must each be seen by the very next heartbeat.
        var server = await Panel.NewServerAsync();
        Assert.Null((await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId))).NewAgentToken);
        var rotated = await RotateAsync(server.ServerId);

        var withOld = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        var withNew = await Panel.HeartbeatOkAsync(rotated, Panel.NewHeartbeat(server.ServerId));
        using var oldAfterUse = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        var again = await Panel.HeartbeatOkAsync(rotated, Panel.NewHeartbeat(server.ServerId));
        using (var revoke = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/revoke", Panel.AdminKey))
        {
            await PanelHost.ReadJsonAsync(revoke, 200);
        }

        using var newAfterRevoke = await Panel.PostHeartbeatAsync(rotated, Panel.NewHeartbeat(server.ServerId));

        SecretAssert.Same(rotated, withOld.NewAgentToken, "rotated token in the answer to the token in use");
        Assert.Null(withNew.NewAgentToken);
        await Auth.AssertUnauthorizedAsync(oldAfterUse);
        Assert.Null(again.NewAgentToken);
        await Auth.AssertUnauthorizedAsync(newAfterRevoke);
    }

    [Fact]
    public async Task Old_and_new_tokens_racing_after_a_rotation_leave_only_the_new_one()
    {
        var server = await Panel.NewServerAsync();
        var rotated = await RotateAsync(server.ServerId);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var token = i % 2 == 0 ? server.AgentToken : rotated;
            using var response = await Panel.PostHeartbeatAsync(token, Panel.NewHeartbeat(server.ServerId));
            return (Old: token == server.AgentToken, response.StatusCode);
        }));

        // The old token works until the new one's first use lands; which old requests came first is up to the race.
        Assert.All(results.Where(r => !r.Old), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(results.Where(r => r.Old), r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Unauthorized }));
        using var oldAfter = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        await Auth.AssertUnauthorizedAsync(oldAfter);
        Assert.False((await Panel.AdminGetAsync($"/api/admin/servers/{server.ServerId}")).GetProperty("token_rotation_pending").GetBoolean());
        Assert.Equal(0, Panel.UnhandledErrors);
    }

    [Fact]
    public async Task After_rotation_the_old_token_expires_after_24_hours_even_if_the_new_one_is_never_used()
    {
        var server = await Panel.NewServerAsync();
        var rotated = await RotateAsync(server.ServerId);

        Panel.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        var stillValid = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        Panel.Time.Advance(TimeSpan.FromSeconds(1));
        using var expired = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        var withNew = await Panel.HeartbeatOkAsync(rotated, Panel.NewHeartbeat(server.ServerId));

        SecretAssert.Same(rotated, stillValid.NewAgentToken, "rotated token while the old is still valid");
        await Auth.AssertUnauthorizedAsync(expired);
        Assert.Equal("ok", withNew.Status);
    }

    [Fact]
    public async Task A_second_rotation_before_pickup_keeps_the_token_the_agent_holds()
    {
        var server = await Panel.NewServerAsync();
        var firstRotation = await RotateAsync(server.ServerId);
        var secondRotation = await RotateAsync(server.ServerId);

        var response = await Panel.HeartbeatOkAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        using var withSuperseded = await Panel.PostHeartbeatAsync(firstRotation, Panel.NewHeartbeat(server.ServerId));

        SecretAssert.Same(secondRotation, response.NewAgentToken, "second rotation's token");
        await Auth.AssertUnauthorizedAsync(withSuperseded);
        await Panel.HeartbeatOkAsync(secondRotation, Panel.NewHeartbeat(server.ServerId));
    }

    [Fact]
    public async Task Rotating_a_revoked_server_gives_it_a_working_token_with_no_overlap()
    {
        var server = await Panel.NewServerAsync();
        using (var revoke = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/revoke", Panel.AdminKey))
        {
            await PanelHost.ReadJsonAsync(revoke, 200);
        }

        var fresh = await RotateAsync(server.ServerId);

        using var old = await Panel.PostHeartbeatAsync(server.AgentToken, Panel.NewHeartbeat(server.ServerId));
        await Auth.AssertUnauthorizedAsync(old);
        var ok = await Panel.HeartbeatOkAsync(fresh, Panel.NewHeartbeat(server.ServerId));
        Assert.Null(ok.NewAgentToken);
    }

    [Fact]
    public async Task Admin_endpoints_need_the_admin_key_and_fail_the_same_way()
    {
        var agent = await Panel.NewServerAsync();
        foreach (var key in new[] { null, "wrong", agent.AgentToken, Panel.AdminKey[..63] })
        {
            using var list = await Panel.SendAsync(HttpMethod.Get, "/api/admin/servers", key);
            await Auth.AssertUnauthorizedAsync(list);
            using var create = await Panel.SendAsync(HttpMethod.Post, "/api/admin/install-tokens", key, "{}");
            await Auth.AssertUnauthorizedAsync(create);
            using var rotate = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{agent.ServerId}/rotate-token", key);
            await Auth.AssertUnauthorizedAsync(rotate);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Panel.Options.AdminKeyPath));
        }
    }

    [Fact]
    public async Task Neither_the_database_nor_the_logs_hold_a_plaintext_token()
    {
        var tokens = new List<string> { Panel.AdminKey };
        var installToken = await Panel.CreateInstallTokenAsync();
        tokens.Add(installToken);
        var server = await Panel.RegisterAsync(installToken, "secret-host", "machine-secret");
        tokens.Add(server.AgentToken);
        var again = await Panel.RegisterAsync(installToken, "secret-host", "machine-secret");
        tokens.Add(again.AgentToken);
        var rotated = await RotateAsync(server.ServerId);
        tokens.Add(rotated);
        var delivered = await Panel.HeartbeatOkAsync(again.AgentToken, Panel.NewHeartbeat(server.ServerId));
        SecretAssert.Same(rotated, delivered.NewAgentToken, "delivered rotated token");
        var pending = await RotateAsync(server.ServerId);
        tokens.Add(pending);
        tokens.Add(await Panel.CreateInstallTokenAsync());

        var rows = await DatabaseSnapshot.TakeAsync(fixture);
        Assert.NotEmpty(rows);
        foreach (var token in tokens)
        {
            Assert.Equal(64, token.Length);
            Assert.DoesNotContain(rows, row => row.Contains(token, StringComparison.Ordinal));
            Assert.DoesNotContain(Panel.Logs.GetSnapshot(), record => record.Message.Contains(token, StringComparison.Ordinal)
                || (record.Exception?.ToString().Contains(token, StringComparison.Ordinal) ?? false));
        }
    }

    private async Task<string> RotateAsync(string serverId)
    {
        using var response = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{serverId}/rotate-token", Panel.AdminKey);
        var json = await PanelHost.ReadJsonAsync(response, 200);
        Assert.Equal(serverId, json.GetProperty("server_id").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return json.GetProperty("agent_token").GetString()!;
    }
}
