using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>The real agent keeps the heartbeats it takes while the panel is down and delivers them when it returns.</summary>
public sealed class PanelOutageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-e2e-outage-").FullName;

    [Fact]
    public async Task Heartbeats_taken_while_the_panel_is_down_for_three_intervals_arrive_after_it_returns()
    {
        var options = new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") };
        var url = $"http://127.0.0.1:{AgentEndToEndTests<SqlitePanelFixture>.FreePort()}";
        var panel = await PanelHost.StartAsync(options, url: url);
        var registered = await panel.NewServerAsync("outage-host");
        using (var settings = await panel.SendAsync(
            HttpMethod.Post, $"/api/admin/servers/{registered.ServerId}/settings", panel.AdminKey, """{"next_heartbeat_seconds":5}"""))
        {
            await PanelHost.ReadJsonAsync(settings, 200);
        }

        var envFile = Path.Combine(_dir, "agent.env");
        File.WriteAllText(envFile, $"PANEL_URL={url}\nSERVER_ID={registered.ServerId}\nAGENT_TOKEN={registered.AgentToken}\n");
        using var agent = await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--health-listen", "off", "--state-dir", Path.Combine(_dir, "state")]);
        await AgentEndToEndTests<SqlitePanelFixture>.WaitForAsync(
            async () => await HeartbeatCountAsync(panel, registered.ServerId) >= 1 ? default(System.Text.Json.JsonElement) : null,
            "the first heartbeat");

        var down = DateTimeOffset.UtcNow;
        await panel.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(16), TestContext.Current.CancellationToken); // three 5 s intervals and a bit
        var up = DateTimeOffset.UtcNow;
        panel = await PanelHost.StartAsync(options, url: url);
        await using var _ = panel;

        // Samples taken during the outage (at least three) are delivered by the next successful send.
        var history = await AgentEndToEndTests<SqlitePanelFixture>.WaitForAsync(async () =>
        {
            var page = await panel.AdminGetAsync($"/api/admin/servers/{registered.ServerId}/heartbeats");
            var duringOutage = page.GetProperty("heartbeats").EnumerateArray()
                .Count(h => h.GetProperty("timestamp").GetDateTimeOffset() is var t && t > down && t < up);
            return duringOutage >= 3 ? page : null;
        }, "the heartbeats queued during the outage");

        var seqs = history.GetProperty("heartbeats").EnumerateArray().Select(h => h.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Equal(0, await agent.TerminateAsync());
        Assert.DoesNotContain(registered.AgentToken, agent.Output);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<int> HeartbeatCountAsync(PanelHost panel, string serverId) =>
        (await panel.AdminGetAsync($"/api/admin/servers/{serverId}/heartbeats")).GetProperty("heartbeats").GetArrayLength();
}
