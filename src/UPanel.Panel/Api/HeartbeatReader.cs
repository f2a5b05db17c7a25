using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>
/// Reads a heartbeat body into the same <see cref="Heartbeat"/> as <c>ContractsJsonContext.Default.Heartbeat</c>, by
/// hand for the bodies agents send, and through that deserializer for everything else, which so decides every error
/// and every unusual input. The generated deserializer reads <see cref="ContainerInfo"/> (required and init members)
/// through its parameterized-constructor path: an argument array and a box per number, for each of a heartbeat's
/// containers (docs/decisions/ingest-throughput.md, ninth pass). The shared contract stays as the agent serializes it.
/// </summary>
/// <remarks>
/// The hand reader takes a body only when it is sure the deserializer gives the same heartbeat: an object of known
/// properties (unknown ones skipped, as the deserializer does), each at most once, with the expected token types
/// (<c>null</c> only where the member is nullable), numbers the reader's own <c>TryGet</c> methods take, required members
/// present, nothing after the object but whitespace. Anything else (a duplicate, an escaped property name, a wrong type,
/// a missing member, malformed JSON, nesting past the depth limit) hands the whole body to the deserializer, whose
/// result or <see cref="JsonException"/> is the answer, byte for byte as before.
/// </remarks>
internal static class HeartbeatReader
{
    /// <summary>The deserializer's reader settings: its depth limit (<c>MaxDepth = 16</c>), no comments, no trailing commas.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    /// <summary>The heartbeat, or null for the body <c>null</c>; throws the deserializer's <see cref="JsonException"/> for bad input.</summary>
    public static Heartbeat? Read(ReadOnlySpan<byte> body) =>
        TryRead(body, out var heartbeat) ? heartbeat : JsonSerializer.Deserialize(body, ContractsJsonContext.Default.Heartbeat);

    /// <summary>The hand reader alone: false when the body is not one it takes (see the remarks), and the deserializer decides.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> body, out Heartbeat? heartbeat)
    {
        heartbeat = null;
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            if (!reader.Read() || !TryHeartbeat(ref reader, out heartbeat))
            {
                heartbeat = null;
                return false;
            }

            // Whitespace only after the object: anything else throws here.
            if (reader.Read())
            {
                heartbeat = null;
                return false;
            }

            return true;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            // Malformed JSON, or a value the reader refuses: the deserializer says what is wrong.
            heartbeat = null;
            return false;
        }
    }

    private static bool TryHeartbeat(ref Utf8JsonReader reader, out Heartbeat? heartbeat)
    {
        heartbeat = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? serverId = null, agentVersion = null, heartbeatId = null;
        DateTimeOffset? timestamp = null;
        HostMetrics? metrics = null;
        List<ContainerInfo>? containers = null;
        long? seq = null, dropped = null;
        int? skew = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var name = reader.ValueSpan;
            int bit;
            if (name.SequenceEqual("server_id"u8))
            {
                bit = 1;
                if (!reader.Read() || !TryString(ref reader, out serverId) || serverId is null)
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("timestamp"u8))
            {
                bit = 2;
                if (!reader.Read() || !TryTimestamp(ref reader, out timestamp))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("metrics"u8))
            {
                bit = 4;
                if (!reader.Read() || !TryMetrics(ref reader, out metrics))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("containers"u8))
            {
                bit = 8;
                if (!reader.Read() || !TryContainers(ref reader, out containers))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("agent_version"u8))
            {
                bit = 16;
                if (!reader.Read() || !TryString(ref reader, out agentVersion))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("heartbeat_id"u8))
            {
                bit = 32;
                if (!reader.Read() || !TryString(ref reader, out heartbeatId))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("seq"u8))
            {
                bit = 64;
                if (!reader.Read() || !TryInt64(ref reader, out seq))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("dropped_heartbeats"u8))
            {
                bit = 128;
                if (!reader.Read() || !TryInt64(ref reader, out dropped))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("clock_skew_seconds"u8))
            {
                bit = 256;
                if (!reader.Read() || !TryInt32(ref reader, out skew))
                {
                    return false;
                }
            }
            else
            {
                // Unknown members are skipped, as the deserializer skips them.
                reader.Skip();
                continue;
            }

            if ((seen & bit) != 0)
            {
                return false;
            }

            seen |= bit;
        }

        if (reader.TokenType != JsonTokenType.EndObject || (seen & (1 | 4)) != (1 | 4))
        {
            return false;
        }

        heartbeat = new Heartbeat
        {
            ServerId = serverId!,
            Timestamp = timestamp,
            Metrics = metrics!,
            Containers = containers,
            AgentVersion = agentVersion,
            HeartbeatId = heartbeatId,
            Seq = seq,
            DroppedHeartbeats = dropped,
            ClockSkewSeconds = skew,
        };
        return true;
    }

    /// <summary>The metrics object; <c>null</c> (allowed by the deserializer for a required member) is left to it.</summary>
    private static bool TryMetrics(ref Utf8JsonReader reader, out HostMetrics? metrics)
    {
        metrics = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        double? cpu = null;
        long? ramUsed = null, ramTotal = null, diskUsed = null, diskTotal = null, networkIn = null, networkOut = null;
        List<double>? load = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var name = reader.ValueSpan;
            int bit;
            bool ok;
            if (name.SequenceEqual("cpu_percent"u8))
            {
                bit = 1;
                ok = reader.Read() && TryDouble(ref reader, out cpu);
            }
            else if (name.SequenceEqual("ram_used_mb"u8))
            {
                bit = 2;
                ok = reader.Read() && TryInt64(ref reader, out ramUsed);
            }
            else if (name.SequenceEqual("ram_total_mb"u8))
            {
                bit = 4;
                ok = reader.Read() && TryInt64(ref reader, out ramTotal);
            }
            else if (name.SequenceEqual("disk_used_gb"u8))
            {
                bit = 8;
                ok = reader.Read() && TryInt64(ref reader, out diskUsed);
            }
            else if (name.SequenceEqual("disk_total_gb"u8))
            {
                bit = 16;
                ok = reader.Read() && TryInt64(ref reader, out diskTotal);
            }
            else if (name.SequenceEqual("load_average"u8))
            {
                bit = 32;
                ok = reader.Read() && TryDoubles(ref reader, out load);
            }
            else if (name.SequenceEqual("network_in_bytes"u8))
            {
                bit = 64;
                ok = reader.Read() && TryInt64(ref reader, out networkIn);
            }
            else if (name.SequenceEqual("network_out_bytes"u8))
            {
                bit = 128;
                ok = reader.Read() && TryInt64(ref reader, out networkOut);
            }
            else
            {
                reader.Skip();
                continue;
            }

            if (!ok || (seen & bit) != 0)
            {
                return false;
            }

            seen |= bit;
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        metrics = new HostMetrics
        {
            CpuPercent = cpu,
            RamUsedMb = ramUsed,
            RamTotalMb = ramTotal,
            DiskUsedGb = diskUsed,
            DiskTotalGb = diskTotal,
            LoadAverage = load,
            NetworkInBytes = networkIn,
            NetworkOutBytes = networkOut,
        };
        return true;
    }

    /// <summary>The containers' array, or <c>null</c> (Docker could not be asked); a <c>null</c> element is left to the deserializer.</summary>
    private static bool TryContainers(ref Utf8JsonReader reader, out List<ContainerInfo>? containers)
    {
        containers = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var list = new List<ContainerInfo>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!TryContainer(ref reader, out var container))
            {
                return false;
            }

            list.Add(container!);
        }

        containers = list;
        return true;
    }

    private static bool TryContainer(ref Utf8JsonReader reader, out ContainerInfo? container)
    {
        container = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? id = null, name = null, image = null, status = null, health = null;
        long? uptime = null, memory = null;
        double? cpu = null;
        int? restarts = null, exitCode = null;
        bool? oomKilled = null;
        DateTimeOffset? finishedAt = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var property = reader.ValueSpan;
            int bit;
            bool ok;
            if (property.SequenceEqual("id"u8))
            {
                bit = 1;
                ok = reader.Read() && TryString(ref reader, out id) && id is not null;
            }
            else if (property.SequenceEqual("name"u8))
            {
                bit = 2;
                ok = reader.Read() && TryString(ref reader, out name) && name is not null;
            }
            else if (property.SequenceEqual("image"u8))
            {
                bit = 4;
                ok = reader.Read() && TryString(ref reader, out image) && image is not null;
            }
            else if (property.SequenceEqual("status"u8))
            {
                bit = 8;
                ok = reader.Read() && TryWord(ref reader, out status) && status is not null;
            }
            else if (property.SequenceEqual("health"u8))
            {
                bit = 16;
                ok = reader.Read() && TryWord(ref reader, out health);
            }
            else if (property.SequenceEqual("uptime_seconds"u8))
            {
                bit = 32;
                ok = reader.Read() && TryInt64(ref reader, out uptime);
            }
            else if (property.SequenceEqual("cpu_percent"u8))
            {
                // Not nullable in the contract: null is the deserializer's to refuse.
                bit = 64;
                ok = reader.Read() && reader.TokenType == JsonTokenType.Number && TryDouble(ref reader, out cpu);
            }
            else if (property.SequenceEqual("memory_mb"u8))
            {
                bit = 128;
                ok = reader.Read() && reader.TokenType == JsonTokenType.Number && TryInt64(ref reader, out memory);
            }
            else if (property.SequenceEqual("restart_count"u8))
            {
                bit = 256;
                ok = reader.Read() && TryInt32(ref reader, out restarts);
            }
            else if (property.SequenceEqual("exit_code"u8))
            {
                bit = 512;
                ok = reader.Read() && TryInt32(ref reader, out exitCode);
            }
            else if (property.SequenceEqual("oom_killed"u8))
            {
                bit = 1024;
                ok = reader.Read() && TryBoolean(ref reader, out oomKilled);
            }
            else if (property.SequenceEqual("finished_at"u8))
            {
                bit = 2048;
                ok = reader.Read() && TryTimestamp(ref reader, out finishedAt);
            }
            else
            {
                reader.Skip();
                continue;
            }

            if (!ok || (seen & bit) != 0)
            {
                return false;
            }

            seen |= bit;
        }

        // id, name, image and status are required.
        if (reader.TokenType != JsonTokenType.EndObject || (seen & 15) != 15)
        {
            return false;
        }

        container = new ContainerInfo
        {
            Id = id!,
            Name = name!,
            Image = image!,
            Status = status!,
            Health = health,
            UptimeSeconds = uptime,
            CpuPercent = cpu ?? 0,
            MemoryMb = memory ?? 0,
            RestartCount = restarts,
            ExitCode = exitCode,
            OomKilled = oomKilled,
            FinishedAt = finishedAt,
        };
        return true;
    }

    private static bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A container's status or health: the words Docker uses as one shared string each (equal strings, so the same
    /// heartbeat), the rest read as any string.
    /// </summary>
    private static bool TryWord(ref Utf8JsonReader reader, out string? value)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
        {
            var text = reader.ValueSpan;
            value = text.SequenceEqual("running"u8) ? "running"
                : text.SequenceEqual("exited"u8) ? "exited"
                : text.SequenceEqual("healthy"u8) ? "healthy"
                : text.SequenceEqual("none"u8) ? "none"
                : text.SequenceEqual("unhealthy"u8) ? "unhealthy"
                : text.SequenceEqual("starting"u8) ? "starting"
                : text.SequenceEqual("paused"u8) ? "paused"
                : text.SequenceEqual("restarting"u8) ? "restarting"
                : text.SequenceEqual("created"u8) ? "created"
                : reader.GetString();
            return true;
        }

        return TryString(ref reader, out value);
    }

    private static bool TryInt64(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static bool TryInt32(ref Utf8JsonReader reader, out int? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static bool TryDouble(ref Utf8JsonReader reader, out double? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static bool TryBoolean(ref Utf8JsonReader reader, out bool? value)
    {
        value = reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => null,
        };
        return value is not null || reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>Load averages: an array of numbers or <c>null</c>; a <c>null</c> element is the deserializer's to refuse.</summary>
    private static bool TryDoubles(ref Utf8JsonReader reader, out List<double>? values)
    {
        values = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var list = new List<double>(3);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var number))
            {
                return false;
            }

            list.Add(number);
        }

        values = list;
        return true;
    }

    /// <summary>The wire's timestamp (<see cref="UtcTimestamp.Read"/>, as the contract's converter), or <c>null</c>.</summary>
    private static bool TryTimestamp(ref Utf8JsonReader reader, out DateTimeOffset? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = UtcTimestamp.Read(ref reader);
        return true;
    }
}
