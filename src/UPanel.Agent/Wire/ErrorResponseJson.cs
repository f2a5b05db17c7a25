using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>The panel's 4xx body: <c>{"status":"error","error":"...","field":"..."}</c>.</summary>
internal static class ErrorResponseJson
{
    /// <summary>Unknown members are ignored; malformed JSON, a wrong type or no <c>error</c> throw <see cref="JsonException"/>.</summary>
    public static ErrorResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "error response");
        return new ErrorResponse
        {
            Status = fields.String("status"u8) ?? "error",
            Error = fields.RequiredString("error"u8),
            Field = fields.String("field"u8),
        };
    }
}
