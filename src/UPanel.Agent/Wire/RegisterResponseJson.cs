using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>The panel's answer to <c>POST /api/agent/register</c>.</summary>
internal static class RegisterResponseJson
{
    /// <summary>Unknown members are ignored; malformed JSON, a wrong type or a missing id or token throw <see cref="JsonException"/>.</summary>
    public static RegisterResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "register response");
        return new RegisterResponse
        {
            Status = fields.String("status"u8) ?? "ok",
            ServerId = fields.RequiredString("server_id"u8),
            AgentToken = fields.RequiredString("agent_token"u8),
            PanelUrl = fields.String("panel_url"u8),
            NextHeartbeatSeconds = fields.Int32("next_heartbeat_seconds"u8),
        };
    }
}
