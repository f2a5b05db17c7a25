using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Security;

/// <summary>
/// A repeated registration exists to survive a lost register response. Once the agent has reported, the install
/// token is spent for good: anyone holding it and the machine id (readable by every local user) must not be able
/// to take the server over.
/// </summary>
public abstract class ReRegistrationTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_used_install_token_cannot_re_register_a_server_that_has_reported()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var agent = await Panel.RegisterAsync(installToken, "web-1", "machine-takeover");
        await Panel.HeartbeatOkAsync(agent.AgentToken, Panel.NewHeartbeat(agent.ServerId));

        using var takeover = await Panel.SendAsync(HttpMethod.Post, "/api/agent/register", installToken, PanelHost.RegisterBody("evil", "machine-takeover"));

        await Auth.AssertUnauthorizedAsync(takeover);
        await Panel.HeartbeatOkAsync(agent.AgentToken, Panel.NewHeartbeat(agent.ServerId));
        var server = await Panel.AdminGetAsync($"/api/admin/servers/{agent.ServerId}");
        Assert.Equal("web-1", server.GetProperty("hostname").GetString());
    }

    [Fact]
    public async Task A_lost_register_response_can_still_be_repeated_before_the_first_heartbeat()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var lost = await Panel.RegisterAsync(installToken, "web-2", "machine-lost");

        var again = await Panel.RegisterAsync(installToken, "web-2", "machine-lost");

        Assert.Equal(lost.ServerId, again.ServerId);
        await Panel.HeartbeatOkAsync(again.AgentToken, Panel.NewHeartbeat(again.ServerId));
    }
}
