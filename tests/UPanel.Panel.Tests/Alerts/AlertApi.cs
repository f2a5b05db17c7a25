using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>The alert tests' steps through the panel's admin API, and the containers their heartbeats carry.</summary>
internal static class AlertApi
{
    public static async Task<(string Id, string? Secret)> AddChannelAsync(this PanelHost panel, string kind, Uri url)
    {
        using var response = await panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", panel.AdminKey, $$"""{"kind":"{{kind}}","url":"{{url}}"}""");
        var created = await PanelHost.ReadJsonAsync(response, 201);
        return (created.GetProperty("id").GetString()!, created.TryGetProperty("secret", out var s) ? s.GetString() : null);
    }

    public static async Task DeleteChannelAsync(this PanelHost panel, string id)
    {
        using var response = await panel.SendAsync(HttpMethod.Delete, $"/api/admin/alert-channels/{id}", panel.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>The server's alert state as stored (empty before its first evaluation).</summary>
    public static async Task<ServerAlertState> StoredAlertStateAsync(this PanelHost panel, string serverId)
    {
        var (_, json) = await panel.LoadAlertStateAsync(serverId);
        return json is null ? ServerAlertState.Empty : AlertStateJson.Read(serverId, json);
    }

    /// <summary>PUT <paramref name="path"/> with <paramref name="body"/>, expecting 200; the answer.</summary>
    public static async Task<System.Text.Json.JsonElement> AdminPutAsync(this PanelHost panel, string path, string body)
    {
        using var response = await panel.SendAsync(HttpMethod.Put, path, panel.AdminKey, body);
        return await PanelHost.ReadJsonAsync(response, 200);
    }

    /// <summary>Polls <c>GET /api/admin/alerts</c> until <paramref name="count"/> of the server's alerts are recorded (30 s at most); oldest first.</summary>
    public static async Task<IReadOnlyList<System.Text.Json.JsonElement>> WaitForAlertsAsync(this PanelHost panel, string serverId, int count) =>
        await Poll.UntilAsync(
            async () => (await panel.AdminGetAsync("/api/admin/alerts")).GetProperty("alerts").EnumerateArray()
                .Where(a => a.GetProperty("server_id").GetString() == serverId).Reverse().ToList(),
            alerts => alerts.Count >= count, $"{count} alerts of {serverId}", TimeSpan.FromSeconds(30), alerts => $"{alerts.Count} alerts");

    /// <summary>
    /// Wakes the panels' notification senders and waits (30 s at most) until <paramref name="atLeast"/> of them (all by
    /// default) have ended a round begun after this call: whatever was due at the clock's time now has gone out from
    /// those panels, so a count taken after it shows what was sent, with no fixed wait. A panel whose sender is held in a
    /// post (a receiver that has not answered) ends no round, hence <paramref name="atLeast"/>.
    /// </summary>
    public static async Task SenderRoundsAsync(this IReadOnlyList<PanelHost> panels, int? atLeast = null)
    {
        var senders = panels.Select(p => p.App.Services.GetRequiredService<NotificationSender>()).ToList();
        var after = senders.Select(s => s.Rounds.Begun + 1).ToList();
        senders.ForEach(s => s.Wake());
        await Poll.UntilAsync(
            () => senders.Where((s, i) => s.Rounds.Ended >= after[i]).Count() >= (atLeast ?? senders.Count), "the notification senders to end a round", TimeSpan.FromSeconds(30));
    }

    /// <summary>Polls an alert's delivery log until <paramref name="done"/> holds (30 s at most); the log.</summary>
    public static Task<List<System.Text.Json.JsonElement>> WaitForDeliveriesAsync(this PanelHost panel, long alertId, Func<List<System.Text.Json.JsonElement>, bool> done) =>
        Poll.UntilAsync(
            async () => (await panel.AdminGetAsync($"/api/admin/alerts/{alertId}/deliveries")).GetProperty("deliveries").EnumerateArray().ToList(),
            done, $"alert {alertId}'s delivery log", TimeSpan.FromSeconds(30), log => string.Join(", ", log));

    public static async Task<string> MuteAsync(this PanelHost panel, string serverId, string? container, DateTimeOffset until)
    {
        var body = container is null
            ? $$"""{"until":"{{until:yyyy-MM-ddTHH:mm:ssZ}}"}"""
            : $$"""{"container":"{{container}}","until":"{{until:yyyy-MM-ddTHH:mm:ssZ}}"}""";
        using var response = await panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{serverId}/mutes", panel.AdminKey, body);
        return (await PanelHost.ReadJsonAsync(response, 201)).GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Sends a heartbeat and waits until the alert service evaluated its containers (30 s at most). Heartbeats that
    /// arrive while one evaluation runs are evaluated once, as the latest state: a test that needs each one judged in
    /// turn (running, then exited) sends them through this.
    /// </summary>
    public static async Task HeartbeatEvaluatedAsync(this PanelHost panel, RegisterResponse server, Heartbeat heartbeat)
    {
        await panel.HeartbeatOkAsync(server.AgentToken, heartbeat);
        var expected = (heartbeat.Containers ?? []).OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (c.Name, c.Status, c.FinishedAt)).ToList();
        await Poll.UntilAsync(
            () => panel.StoredAlertStateAsync(server.ServerId),
            state => state.Containers?.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (c.Name, c.Status, c.FinishedAt)).SequenceEqual(expected) == true,
            $"the evaluation of {server.ServerId}'s heartbeat", TimeSpan.FromSeconds(30));
    }

    public static Heartbeat Heartbeat(this PanelHost panel, string serverId, long seq, params ContainerInfo[] containers) =>
        panel.NewHeartbeat(serverId, seq) with { Containers = containers };

    public static ContainerInfo Container(this PanelHost panel, string name, string status, int? exitCode = null, bool oomKilled = false) => new()
    {
        Id = name + "00000001",
        Name = name,
        Image = name + ":1",
        Status = status,
        Health = "none",
        UptimeSeconds = status == "running" ? 60 : 0,
        CpuPercent = 0,
        MemoryMb = 10,
        RestartCount = 0,
        ExitCode = exitCode,
        OomKilled = oomKilled,
        FinishedAt = status == "running" ? null : panel.Time.GetUtcNow(),
    };
}
