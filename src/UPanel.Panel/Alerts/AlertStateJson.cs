using System.Collections.Immutable;
using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Panel.Alerts;

/// <summary>
/// <see cref="ServerAlertState"/> as stored in <c>alert_state.state</c>: alerts firing and pending with since when, the
/// containers of the last heartbeat, and when each container's restart count grew. Times are Unix milliseconds.
/// </summary>
internal static class AlertStateJson
{
    public static string Write(ServerAlertState state)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteKeys(writer, "firing", state.Firing);
            WriteKeys(writer, "pending", state.Pending);
            if (state.Containers is { } containers)
            {
                writer.WriteStartArray("containers");
                foreach (var container in containers.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
                {
                    JsonSerializer.Serialize(writer, container, ContractsJsonContext.Default.ContainerInfo);
                }

                writer.WriteEndArray();
            }

            writer.WriteStartObject("restarts");
            foreach (var (container, times) in state.Restarts.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                writer.WriteStartArray(container);
                foreach (var time in times)
                {
                    writer.WriteNumberValue(time.ToUnixTimeMilliseconds());
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The state written by <see cref="Write"/> for <paramref name="serverId"/>.</summary>
    /// <exception cref="JsonException">Not such a state.</exception>
    public static ServerAlertState Read(string serverId, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        ImmutableDictionary<string, ContainerInfo>? containers = null;
        if (root.TryGetProperty("containers", out var list))
        {
            containers = list.EnumerateArray()
                .Select(c => c.Deserialize(ContractsJsonContext.Default.ContainerInfo) ?? throw new JsonException("a null container"))
                .ToImmutableDictionary(c => c.Name, StringComparer.Ordinal);
        }

        return new ServerAlertState
        {
            Firing = ReadKeys(serverId, root.GetProperty("firing")),
            Pending = ReadKeys(serverId, root.GetProperty("pending")),
            Containers = containers,
            Restarts = root.GetProperty("restarts").EnumerateObject().ToImmutableDictionary(
                p => p.Name,
                p => p.Value.EnumerateArray().Select(t => DateTimeOffset.FromUnixTimeMilliseconds(t.GetInt64())).ToImmutableList(),
                StringComparer.Ordinal),
        };
    }

    private static void WriteKeys(Utf8JsonWriter writer, string name, ImmutableDictionary<AlertKey, DateTimeOffset> keys)
    {
        writer.WriteStartArray(name);
        foreach (var (key, since) in keys.OrderBy(k => k.Key.Kind).ThenBy(k => k.Key.Container, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", AlertNames.Of(key.Kind));
            if (key.Container is { } container)
            {
                writer.WriteString("container", container);
            }

            writer.WriteNumber("since", since.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static ImmutableDictionary<AlertKey, DateTimeOffset> ReadKeys(string serverId, JsonElement array) =>
        array.EnumerateArray().ToImmutableDictionary(
            e => new AlertKey(
                serverId,
                AlertNames.Parse(e.GetProperty("kind").GetString()) ?? throw new JsonException("an unknown alert kind"),
                e.TryGetProperty("container", out var container) ? container.GetString() : null),
            e => DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("since").GetInt64()));
}
