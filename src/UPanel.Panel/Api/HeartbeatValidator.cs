using UPanel.Contracts;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Api;

/// <summary>
/// Range and length checks beyond what the strict JSON reader already refuses (strings for numbers, NaN literals,
/// overflow, depth). The first problem found is reported, naming its field.
/// </summary>
internal static class HeartbeatValidator
{
    public const int MaxIdLength = 64;

    /// <summary>docker stats' scale is 100 per core: allows 1024 cores.</summary>
    public const double MaxContainerCpuPercent = 102_400;

    public static ApiError? Validate(Heartbeat? heartbeat, DateTimeOffset now, PanelOptions options)
    {
        if (heartbeat is null)
        {
            return new ApiError(400, "the body must be a JSON object");
        }

        var error = Checks.Text("server_id", heartbeat.ServerId, MaxIdLength)
            ?? Checks.Text("agent_version", heartbeat.AgentVersion, 64, required: false)
            ?? (heartbeat.AgentVersion is { Length: 0 } ? ApiError.BadField("agent_version", "must not be empty (omit it instead)") : null)
            ?? Checks.Text("heartbeat_id", heartbeat.HeartbeatId, MaxIdLength, required: false)
            ?? (heartbeat.HeartbeatId is { Length: 0 } ? ApiError.BadField("heartbeat_id", "must not be empty (omit it instead)") : null)
            ?? Checks.Range("seq", heartbeat.Seq, 0, long.MaxValue)
            ?? Timestamp(heartbeat.Timestamp, now, options)
            ?? Metrics(heartbeat.Metrics);
        if (error is not null)
        {
            return error;
        }

        if (heartbeat.Containers is { } containers)
        {
            if (containers.Count > options.MaxContainers)
            {
                return new ApiError(400, $"containers: more than {options.MaxContainers} entries", "containers");
            }

            for (var i = 0; i < containers.Count; i++)
            {
                if (Container(i, containers[i]) is { } containerError)
                {
                    return containerError;
                }
            }
        }

        return null;
    }

    private static ApiError? Timestamp(DateTimeOffset? sampled, DateTimeOffset now, PanelOptions options)
    {
        if (sampled is not { } timestamp)
        {
            return ApiError.BadField("timestamp", "required");
        }

        if (timestamp > now + options.MaxFutureSkew)
        {
            return ApiError.BadField("timestamp", $"more than {options.MaxFutureSkew.TotalMinutes:0} minutes ahead of the panel's clock; check the host's clock (NTP)");
        }

        if (timestamp < now - options.MaxSampleAge)
        {
            return ApiError.BadField("timestamp", $"older than {options.MaxSampleAge.TotalDays:0} days");
        }

        return null;
    }

    private static ApiError? Metrics(HostMetrics? metrics)
    {
        if (metrics is null)
        {
            return ApiError.BadField("metrics", "required");
        }

        var error = Checks.Range("metrics.cpu_percent", metrics.CpuPercent, 0, 100)
            ?? Checks.Range("metrics.ram_used_mb", metrics.RamUsedMb, 0, Checks.MaxMebibytes)
            ?? Checks.Range("metrics.ram_total_mb", metrics.RamTotalMb, 0, Checks.MaxMebibytes)
            ?? Checks.NotAbove("metrics.ram_used_mb", metrics.RamUsedMb, metrics.RamTotalMb, "ram_total_mb")
            ?? Checks.Range("metrics.disk_used_gb", metrics.DiskUsedGb, 0, Checks.MaxGibibytes)
            ?? Checks.Range("metrics.disk_total_gb", metrics.DiskTotalGb, 0, Checks.MaxGibibytes)
            ?? Checks.NotAbove("metrics.disk_used_gb", metrics.DiskUsedGb, metrics.DiskTotalGb, "disk_total_gb")
            ?? Checks.Range("metrics.network_in_bytes", metrics.NetworkInBytes, 0, long.MaxValue)
            ?? Checks.Range("metrics.network_out_bytes", metrics.NetworkOutBytes, 0, long.MaxValue);
        if (error is not null)
        {
            return error;
        }

        if (metrics.LoadAverage is { } load)
        {
            if (load.Count != 3)
            {
                return ApiError.BadField("metrics.load_average", "must hold exactly three numbers (1, 5 and 15 minutes)");
            }

            for (var i = 0; i < 3; i++)
            {
                if (Checks.Range(FieldName.Item("metrics.load_average", i), load[i], 0, 1_000_000) is { } loadError)
                {
                    return loadError;
                }
            }
        }

        return null;
    }

    private static ApiError? Container(int index, ContainerInfo? container)
    {
        if (container is null)
        {
            return ApiError.BadField(FieldName.Item("containers", index).ToString(), "must be an object");
        }

        return Checks.Text(Field("id"), container.Id, MaxIdLength)
            ?? Checks.Text(Field("name"), container.Name, 256)
            ?? Checks.Text(Field("image"), container.Image, 512)
            ?? Checks.Text(Field("status"), container.Status, 32)
            ?? Checks.Text(Field("health"), container.Health, 32, required: false)
            ?? (container.Health is { Length: 0 } ? ApiError.BadField(Field("health").ToString(), "must not be empty (omit it when unknown)") : null)
            ?? Checks.Range(Field("uptime_seconds"), container.UptimeSeconds, 0, 100L * 366 * 86400)
            ?? Checks.Range(Field("cpu_percent"), container.CpuPercent, 0, MaxContainerCpuPercent)
            ?? Checks.Range(Field("memory_mb"), container.MemoryMb, 0, Checks.MaxMebibytes)
            ?? Checks.Range(Field("restart_count"), container.RestartCount, 0, int.MaxValue);

        FieldName Field(string member) => FieldName.Item("containers", index, member);
    }
}
