using System.Net;
using UPanel.Contracts;
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

    /// <summary>PUT <paramref name="path"/> with <paramref name="body"/>, expecting 200; the answer.</summary>
    public static async Task<System.Text.Json.JsonElement> AdminPutAsync(this PanelHost panel, string path, string body)
    {
        using var response = await panel.SendAsync(HttpMethod.Put, path, panel.AdminKey, body);
        return await PanelHost.ReadJsonAsync(response, 200);
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
