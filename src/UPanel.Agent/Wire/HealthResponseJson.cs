using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>
/// <c>GET /health</c>'s body: written by the health server byte for byte as <c>ContractsJsonContext</c> would, read
/// back by the <c>health</c> command.
/// </summary>
internal static class HealthResponseJson
{
    public static byte[] ToUtf8Bytes(HealthResponse response) => JsonWrite.ToUtf8Bytes(response, Write);

    /// <summary>Unknown members are ignored; malformed JSON, a wrong type or no <c>version</c> throw <see cref="JsonException"/>.</summary>
    public static HealthResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "health response");
        return new HealthResponse
        {
            Status = fields.String("status"u8) ?? "ok",
            UptimeSeconds = fields.Int64("uptime_seconds"u8) ?? 0,
            Version = fields.RequiredString("version"u8),
            LastHeartbeatAt = fields.Timestamp("last_heartbeat_at"u8),
            QueueLength = fields.Int32("queue_length"u8),
            QueueDropped = fields.Int64("queue_dropped"u8),
            QueueProblem = fields.String("queue_problem"u8),
            ClockSkewSeconds = fields.Int32("clock_skew_seconds"u8),
            Panel = fields.String("panel"u8),
            Docker = fields.String("docker"u8),
            UpdateAvailable = fields.Boolean("update_available"u8),
            UpdateUrl = fields.String("update_url"u8),
        };
    }

    private static void Write(Utf8JsonWriter writer, HealthResponse response)
    {
        writer.WriteStartObject();
        JsonWrite.String(writer, "status"u8, response.Status);
        writer.WriteNumber("uptime_seconds"u8, response.UptimeSeconds);
        JsonWrite.String(writer, "version"u8, response.Version);
        JsonWrite.Timestamp(writer, "last_heartbeat_at"u8, response.LastHeartbeatAt);
        JsonWrite.Number(writer, "queue_length"u8, response.QueueLength);
        JsonWrite.Number(writer, "queue_dropped"u8, response.QueueDropped);
        JsonWrite.String(writer, "queue_problem"u8, response.QueueProblem);
        JsonWrite.Number(writer, "clock_skew_seconds"u8, response.ClockSkewSeconds);
        JsonWrite.String(writer, "panel"u8, response.Panel);
        JsonWrite.String(writer, "docker"u8, response.Docker);
        JsonWrite.Boolean(writer, "update_available"u8, response.UpdateAvailable);
        JsonWrite.String(writer, "update_url"u8, response.UpdateUrl);
        writer.WriteEndObject();
    }
}
