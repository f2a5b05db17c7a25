using System.Text.Json.Serialization;

namespace UPanel.Contracts;

/// <summary>One Docker container as reported in a heartbeat.</summary>
public sealed record ContainerInfo
{
    /// <summary>The 12-character short id.</summary>
    public required string Id { get; init; }

    /// <summary>Without the leading '/'.</summary>
    public required string Name { get; init; }

    /// <summary>The image as the container was created from it (a name and tag, or an id).</summary>
    public required string Image { get; init; }

    /// <summary>Docker's state: running, exited, paused, restarting, created, removing or dead.</summary>
    public required string Status { get; init; }

    /// <summary>
    /// healthy, unhealthy, starting or none. Not in the seed's Go struct: a panel stores a container without it as
    /// unknown, never as healthy. Our agent always sends it.
    /// </summary>
    public string? Health { get; init; }

    /// <summary>Seconds since a running container started; 0 otherwise. Not in the seed's Go struct: missing is unknown.</summary>
    public long? UptimeSeconds { get; init; }

    /// <summary>On <c>docker stats</c>' scale: 100 = one core.</summary>
    public double CpuPercent { get; init; }

    /// <summary>Usage minus inactive file cache, MiB.</summary>
    public long MemoryMb { get; init; }

    /// <summary>Docker's <c>RestartCount</c>: how often the engine restarted it by its restart policy.</summary>
    public int? RestartCount { get; init; }

    /// <summary>The exit code of its last run; our agent sends it for exited, dead and restarting containers only.</summary>
    public int? ExitCode { get; init; }

    /// <summary>
    /// Whether its last run ended by the kernel's OOM killer: the inspection's <c>State.OOMKilled</c>, or true for an
    /// exited, dead or restarting container the engine sent an <c>oom</c> event for since it last started (engines can
    /// lose the flag). It may turn true a heartbeat after the exit was first sent (docs/compatibility.md).
    /// </summary>
    public bool? OomKilled { get; init; }

    /// <summary>When the container last stopped (UTC); sent for exited, dead and restarting containers only.</summary>
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? FinishedAt { get; init; }
}
