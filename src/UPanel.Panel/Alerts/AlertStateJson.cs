using System.Collections.Immutable;
using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Panel.Alerts;

/// <summary>
/// <see cref="ServerAlertState"/> as stored in <c>alert_state.state</c>: alerts firing and pending with since when, the
/// firing alerts sent (when last, how often), the containers of the last heartbeat, and when each container's restart
/// count grew. Times are Unix milliseconds.
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
            writer.WriteStartArray("notified");
            foreach (var (key, notice) in Ordered(state.Notified))
            {
                writer.WriteStartObject();
                WriteKey(writer, key);
                writer.WriteNumber("last_sent", notice.LastSentAt.ToUnixTimeMilliseconds());
                writer.WriteNumber("sent", notice.Sent);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
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

        var firing = ReadKeys(serverId, root.GetProperty("firing"));

        // A state written before mutes existed: everything firing was sent when it fired.
        var notified = root.TryGetProperty("notified", out var sent)
            ? sent.EnumerateArray().ToImmutableDictionary(
                e => ReadKey(serverId, e),
                e => new AlertNotice(DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("last_sent").GetInt64()), e.GetProperty("sent").GetInt32()))
            : firing.ToImmutableDictionary(p => p.Key, p => new AlertNotice(p.Value, 1));
        return new ServerAlertState
        {
            Firing = firing,
            Notified = notified,
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
        foreach (var (key, since) in Ordered(keys))
        {
            writer.WriteStartObject();
            WriteKey(writer, key);
            writer.WriteNumber("since", since.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static IEnumerable<KeyValuePair<AlertKey, T>> Ordered<T>(ImmutableDictionary<AlertKey, T> keys) =>
        keys.OrderBy(k => k.Key.Kind).ThenBy(k => k.Key.Container, StringComparer.Ordinal);

    private static void WriteKey(Utf8JsonWriter writer, AlertKey key)
    {
        writer.WriteString("kind", AlertNames.Of(key.Kind));
        if (key.Container is { } container)
        {
            writer.WriteString("container", container);
        }
    }

    private static AlertKey ReadKey(string serverId, JsonElement e) => new(
        serverId,
        AlertNames.Parse(e.GetProperty("kind").GetString()) ?? throw new JsonException("an unknown alert kind"),
        e.TryGetProperty("container", out var container) ? container.GetString() : null);

    private static ImmutableDictionary<AlertKey, DateTimeOffset> ReadKeys(string serverId, JsonElement array) =>
        array.EnumerateArray().ToImmutableDictionary(
            e => ReadKey(serverId, e),
            e => DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("since").GetInt64()));
}
