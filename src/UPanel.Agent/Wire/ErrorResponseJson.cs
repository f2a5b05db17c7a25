using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>
/// A panel's 4xx/5xx JSON body, in the three shapes panels answer with: ours (<c>{"status":"error","error":…,"field":…}</c>),
/// Laravel's validation answer (<c>{"message":…,"errors":{"field":["…"]}}</c>, also <c>{"message":…}</c> alone) and an
/// RFC 9457 problem (<c>{"title":…,"detail":…}</c>).
/// </summary>
internal static class ErrorResponseJson
{
    /// <summary>
    /// Unknown members are ignored; malformed JSON, a wrong type, or none of <c>error</c>, <c>message</c>,
    /// <c>detail</c> and <c>title</c> throw <see cref="JsonException"/>.
    /// </summary>
    public static ErrorResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "error response");
        var (firstField, firstMessage) = FirstLaravelError(fields);
        var message = fields.String("message"u8);
        if (message is not null && firstMessage is not null && !message.Contains(firstMessage, StringComparison.Ordinal))
        {
            // Older Laravel says only "The given data was invalid."; the first error names what.
            message = $"{message} {firstMessage}";
        }

        return new ErrorResponse
        {
            // A problem's "status" is the HTTP status, a number.
            Status = fields.Find("status"u8) is { ValueKind: JsonValueKind.String } ? fields.String("status"u8)! : "error",
            Error = fields.String("error"u8) ?? message ?? fields.String("detail"u8) ?? fields.String("title"u8)
                ?? throw new JsonException("error response: none of \"error\", \"message\", \"detail\" or \"title\""),
            Field = fields.String("field"u8) ?? firstField,
        };
    }

    /// <summary>Laravel's <c>errors</c>: the first field and its first message, when it has that shape.</summary>
    private static (string? Field, string? Message) FirstLaravelError(JsonFields fields)
    {
        if (fields.Find("errors"u8) is not { ValueKind: JsonValueKind.Object } errors)
        {
            return (null, null);
        }

        try
        {
            foreach (var property in errors.EnumerateObject())
            {
                var first = property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0 ? property.Value[0] : property.Value;
                return (property.Name, first.ValueKind == JsonValueKind.String ? first.GetString() : null);
            }
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 in a name or message (JsonDocument does not check it): the summary goes without it.
        }

        return (null, null);
    }
}
