using System.Globalization;
using System.Text.Json;

namespace UPanel.Contracts;

/// <summary>
/// The wire's timestamp format, in one place for <see cref="UtcTimestampConverter"/> and the agent's hand-written JSON:
/// writes RFC 3339 UTC with a 'Z' and whole seconds, as the seed shows; reads an ISO 8601 date and time with an offset
/// ('Z' or ±hh:mm). A time without an offset is refused rather than read in the reader's local time zone: the same text
/// would mean different instants on differently configured hosts.
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

    /// <summary>
    /// The reader must be on a string token; anything else, or a string that is no ISO 8601 date and time with an
    /// offset, throws.
    /// </summary>
    public static DateTimeOffset Read(ref Utf8JsonReader reader)
    {
        var value = reader.GetDateTimeOffset();
        return HasOffset(reader.GetString()) ? value : throw new JsonException("a timestamp needs an offset, e.g. 2026-01-15T10:30:00Z");
    }

    /// <summary>The same parse for a value of a <see cref="JsonDocument"/>; false unless a string with an ISO 8601 date and offset.</summary>
    public static bool TryRead(JsonElement element, out DateTimeOffset value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out value) && HasOffset(element.GetString());
    }

    /// <summary>Ends in 'Z' or ±hh:mm (the ISO 8601 parse has already checked the rest).</summary>
    private static bool HasOffset(string? text) =>
        text is { Length: > 0 } && (text[^1] == 'Z' || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':'));
}
