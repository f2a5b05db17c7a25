using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>
/// The heartbeat body, byte for byte what <c>ContractsJsonContext.Default.Heartbeat</c> writes (the tests compare
/// the two): members in declaration order, nulls left out except <c>containers</c>, which is written as null.
/// </summary>
internal static class HeartbeatJson
{
    public static byte[] ToUtf8Bytes(Heartbeat heartbeat, bool indented = false) => JsonWrite.ToUtf8Bytes(heartbeat, Write, indented);

    private static void Write(Utf8JsonWriter writer, Heartbeat heartbeat)
    {
        writer.WriteStartObject();
        JsonWrite.String(writer, "server_id"u8, heartbeat.ServerId);
        JsonWrite.Timestamp(writer, "timestamp"u8, heartbeat.Timestamp);
        if (heartbeat.Metrics is { } metrics)
        {
            writer.WritePropertyName("metrics"u8);
            Write(writer, metrics);
        }

        // [JsonIgnore(Condition = Never)] on Heartbeat.Containers: null means Docker could not be asked.
        writer.WritePropertyName("containers"u8);
        if (heartbeat.Containers is { } containers)
        {
            writer.WriteStartArray();
            foreach (var container in containers)
            {
                Write(writer, container);
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNullValue();
        }

        JsonWrite.String(writer, "agent_version"u8, heartbeat.AgentVersion);
        JsonWrite.String(writer, "heartbeat_id"u8, heartbeat.HeartbeatId);
        JsonWrite.Number(writer, "seq"u8, heartbeat.Seq);
        JsonWrite.Number(writer, "dropped_heartbeats"u8, heartbeat.DroppedHeartbeats);
        JsonWrite.Number(writer, "clock_skew_seconds"u8, heartbeat.ClockSkewSeconds);
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, HostMetrics metrics)
    {
        writer.WriteStartObject();
        JsonWrite.Number(writer, "cpu_percent"u8, metrics.CpuPercent);
        JsonWrite.Number(writer, "ram_used_mb"u8, metrics.RamUsedMb);
        JsonWrite.Number(writer, "ram_total_mb"u8, metrics.RamTotalMb);
        JsonWrite.Number(writer, "disk_used_gb"u8, metrics.DiskUsedGb);
        JsonWrite.Number(writer, "disk_total_gb"u8, metrics.DiskTotalGb);
        if (metrics.LoadAverage is { } loadAverage)
        {
            writer.WriteStartArray("load_average"u8);
            foreach (var load in loadAverage)
            {
                writer.WriteNumberValue(load);
            }

            writer.WriteEndArray();
        }

        JsonWrite.Number(writer, "network_in_bytes"u8, metrics.NetworkInBytes);
        JsonWrite.Number(writer, "network_out_bytes"u8, metrics.NetworkOutBytes);
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, ContainerInfo container)
    {
        writer.WriteStartObject();
        JsonWrite.String(writer, "id"u8, container.Id);
        JsonWrite.String(writer, "name"u8, container.Name);
        JsonWrite.String(writer, "image"u8, container.Image);
        JsonWrite.String(writer, "status"u8, container.Status);
        JsonWrite.String(writer, "health"u8, container.Health);
        JsonWrite.Number(writer, "uptime_seconds"u8, container.UptimeSeconds);
        writer.WriteNumber("cpu_percent"u8, container.CpuPercent);
        writer.WriteNumber("memory_mb"u8, container.MemoryMb);
        JsonWrite.Number(writer, "restart_count"u8, container.RestartCount);
        JsonWrite.Number(writer, "exit_code"u8, container.ExitCode);
        JsonWrite.Boolean(writer, "oom_killed"u8, container.OomKilled);
        JsonWrite.Timestamp(writer, "finished_at"u8, container.FinishedAt);
        writer.WriteEndObject();
    }
}
