using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>The body of <c>POST /api/agent/register</c>, byte for byte what <c>ContractsJsonContext</c> writes.</summary>
internal static class RegisterRequestJson
{
    public static byte[] ToUtf8Bytes(RegisterRequest request) => JsonWrite.ToUtf8Bytes(request, Write);

    private static void Write(Utf8JsonWriter writer, RegisterRequest request)
    {
        writer.WriteStartObject();
        JsonWrite.String(writer, "hostname"u8, request.Hostname);
        JsonWrite.String(writer, "os_version"u8, request.OsVersion);
        writer.WriteNumber("cpu_cores"u8, request.CpuCores);
        writer.WriteNumber("ram_mb"u8, request.RamMb);
        writer.WriteNumber("disk_gb"u8, request.DiskGb);
        JsonWrite.String(writer, "agent_version"u8, request.AgentVersion);
        JsonWrite.String(writer, "machine_id"u8, request.MachineId);
        writer.WriteEndObject();
    }
}
