using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>
/// The panel's answer to a heartbeat, read tolerantly: unknown members are ignored and a member of an odd shape is
/// dropped alone (a fractional interval is rounded), so one odd field never costs a token rotation.
/// </summary>
internal static class HeartbeatResponseJson
{
    /// <summary>Throws <see cref="JsonException"/> only when the body is not a JSON object at all.</summary>
    public static HeartbeatResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "heartbeat response");
        return new HeartbeatResponse
        {
            Status = OrNull(() => fields.String("status"u8)) ?? "ok",
            ServerTime = OrNull(() => fields.Timestamp("server_time"u8)),
            NextHeartbeatSeconds = IntervalOf(fields),
            UpdateAvailable = OrNull(() => fields.Boolean("update_available"u8)),
            UpdateUrl = OrNull(() => fields.String("update_url"u8)),
            NewAgentToken = OrNull(() => fields.String("new_agent_token"u8)),
        };
    }

    private static T? OrNull<T>(Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static int? IntervalOf(JsonFields fields) =>
        fields.Find("next_heartbeat_seconds"u8) is { ValueKind: JsonValueKind.Number } value
        && value.TryGetDouble(out var seconds) && double.IsFinite(seconds)
            ? (int)Math.Clamp(Math.Round(seconds), int.MinValue, int.MaxValue)
            : null;
}
