using UPanel.Contracts;

namespace UPanel.Panel.Api;

internal static class RegisterValidator
{
    public static ApiError? Validate(RegisterRequest? request)
    {
        if (request is null)
        {
            return new ApiError(400, "the body must be a JSON object");
        }

        return Checks.Text("hostname", request.Hostname, 253)
            ?? Checks.Text("os_version", request.OsVersion, 256)
            ?? Checks.Range("cpu_cores", request.CpuCores, 1, 4096)
            ?? Checks.Range("ram_mb", request.RamMb, 1, Checks.MaxMebibytes)
            ?? Checks.Range("disk_gb", request.DiskGb, 0, Checks.MaxGibibytes)
            ?? Checks.Text("agent_version", request.AgentVersion, 64)
            ?? Checks.Text("machine_id", request.MachineId, 128, required: false);
    }
}
