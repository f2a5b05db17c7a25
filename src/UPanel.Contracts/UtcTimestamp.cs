using System.Globalization;
using System.Text.Json;

namespace UPanel.Contracts;

/// <summary>
/// The wire's timestamp format, in one place for <see cref="UtcTimestampConverter"/> and the agent's hand-written JSON:
/// writes RFC 3339 UTC with a 'Z' and whole seconds, as the seed shows; reads any ISO 8601 offset.
/// </summary>
public static class UtcTimestamp
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public static void Write(Utf8JsonWriter writer, DateTimeOffset value)
    {
        Span<byte> text = stackalloc byte[32];
        value.UtcDateTime.TryFormat(text, out var length, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..length]);
    }

    /// <summary>The reader must be on a string token; anything else, or a string that is no ISO 8601 date, throws.</summary>
    public static DateTimeOffset Read(ref Utf8JsonReader reader) => reader.GetDateTimeOffset();

    /// <summary>The same parse for a value of a <see cref="JsonDocument"/>; false unless a string with an ISO 8601 date.</summary>
    public static bool TryRead(JsonElement element, out DateTimeOffset value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out value);
    }
}
