using Microsoft.Extensions.DependencyInjection;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>The alert state lives in the database: a restarted panel neither repeats an alert nor forgets one.</summary>
public sealed class AlertRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-alert-restart-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task After_a_restart_the_firing_alert_is_remembered_so_its_resolution_is_sent_and_the_alert_is_not_repeated()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = new PanelOptions { DataDirectory = _dir };
        RegisterResponse server;
        await using (var panel = await PanelHost.StartAsync(options))
        {
            using var channel = await panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", panel.AdminKey, $$"""{"kind":"webhook","url":"{{receiver.Url}}"}""");
            await PanelHost.ReadJsonAsync(channel, 201);
            server = await panel.NewServerAsync("restart-host");
            await panel.HeartbeatEvaluatedAsync(server, panel.NewHeartbeat(server.ServerId, 1) with { Containers = [Web(panel, "running")] });
            await panel.HeartbeatEvaluatedAsync(server, panel.NewHeartbeat(server.ServerId, 2) with { Containers = [Web(panel, "exited")] });
            await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1);
        }

        await using var restarted = await PanelHost.StartAsync(options);
        var service = restarted.App.Services.GetRequiredService<AlertService>();
        var evaluated = service.NextEvaluation;
        await restarted.HeartbeatOkAsync(server.AgentToken, restarted.NewHeartbeat(server.ServerId, 3) with { Containers = [Web(restarted, "exited")] });
        await evaluated.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Single(receiver.Received, r => r.IsFor(server.ServerId));

        // Only a state read back from the database knows the alert fires: a resolution needs it.

        await restarted.HeartbeatOkAsync(server.AgentToken, restarted.NewHeartbeat(server.ServerId, 4) with { Containers = [Web(restarted, "running")] });
        var both = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2);
        Assert.Equal(["alert.firing", "alert.resolved"], both.Select(r => r.Json.GetProperty("event").GetString()));
    }

    private static ContainerInfo Web(PanelHost panel, string status) => new()
    {
        Id = "web000000001",
        Name = "web",
        Image = "web:1",
        Status = status,
        Health = "none",
        UptimeSeconds = status == "running" ? 60 : 0,
        ExitCode = status == "running" ? null : 2,
        OomKilled = false,
        FinishedAt = status == "running" ? null : DateTimeOffset.UnixEpoch.AddDays(20000),
    };
}
