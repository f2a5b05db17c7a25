using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>
/// The members of one JSON object, read as strictly as the source-generated serializers read them (no numbers in
/// strings, no fractions for integers): unknown members are ignored, a missing member or a JSON null is null, and a
/// member of the wrong JSON type (or a number that does not fit) is a <see cref="JsonException"/> naming it, never
/// another exception. Why no serializer: see <see cref="JsonWrite"/>.
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _object;
    private readonly string _what;
    private readonly bool _ignoreCase;

    private JsonFields(JsonElement element, string what, bool ignoreCase)
    {
        _object = element;
        _what = what;
        _ignoreCase = ignoreCase;
    }

    /// <summary>
    /// Parses a whole body in place (no copy: the bytes must not change while the document is used).
    /// Malformed JSON, trailing data or nesting deeper than 64 throw <see cref="JsonException"/>.
    /// </summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> json) => JsonDocument.Parse(json);

    /// <param name="what">Names the object in error messages ("register response", "container State").</param>
    /// <param name="ignoreCase">Match member names ignoring ASCII case (the Docker readers, as their old context did).</param>
    public static JsonFields Of(JsonElement element, string what, bool ignoreCase = false) =>
        element.ValueKind == JsonValueKind.Object
            ? new JsonFields(element, what, ignoreCase)
            : throw new JsonException($"{what}: expected a JSON object, got {Describe(element.ValueKind)}");

    /// <summary>The member's value; null when it is missing or JSON null.</summary>
    public JsonElement? Find(ReadOnlySpan<byte> name)
    {
        if (!_ignoreCase)
        {
            return _object.TryGetProperty(name, out var exact) && exact.ValueKind != JsonValueKind.Null ? exact : null;
        }

        JsonElement? found = null;
        foreach (var property in _object.EnumerateObject())
        {
            // The last one wins, as with the serializer.
            if (Ascii.EqualsIgnoreCase(JsonMarshal.GetRawUtf8PropertyName(property), name))
            {
                found = property.Value;
            }
        }

        return found is { ValueKind: not JsonValueKind.Null } ? found : null;
    }

    public string? String(ReadOnlySpan<byte> name) => Find(name) is { } value ? StringValue(value, name) : null;

    public string RequiredString(ReadOnlySpan<byte> name) => String(name) ?? throw Missing(name);

    public int? Int32(ReadOnlySpan<byte> name) =>
        Find(name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
        : throw Wrong(name, "an integer (32-bit)");

    public long? Int64(ReadOnlySpan<byte> name) =>
        Find(name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
        : throw Wrong(name, "an integer (64-bit)");

    public ulong? UInt64(ReadOnlySpan<byte> name) => Find(name) is { } value ? UInt64Value(value, name) : null;

    public bool? Boolean(ReadOnlySpan<byte> name) =>
        Find(name) is { } value ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false"),
        } : null;

    /// <summary>An ISO 8601 date as <see cref="UtcTimestamp"/> reads it.</summary>
    public DateTimeOffset? Timestamp(ReadOnlySpan<byte> name) =>
        Find(name) is not { } value ? null
        : UtcTimestamp.TryRead(value, out var timestamp) ? timestamp
        : throw Wrong(name, "an ISO 8601 date");

    public JsonFields? Object(ReadOnlySpan<byte> name) =>
        Find(name) is { } value ? Of(value, $"{_what} \"{Encoding.UTF8.GetString(name)}\"", _ignoreCase) : null;

    public List<string>? StringList(ReadOnlySpan<byte> name)
    {
        if (Find(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(name, "an array of strings");
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? StringValue(item, name) : throw Wrong(name, "an array of strings"));
        }

        return list;
    }

    /// <summary>An object of unsigned integers, e.g. the engine's memory.stat; member names kept as sent.</summary>
    public Dictionary<string, ulong>? UInt64Map(ReadOnlySpan<byte> name)
    {
        if (Find(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(name, "an object of unsigned integers");
        }

        var map = new Dictionary<string, ulong>();
        foreach (var property in value.EnumerateObject())
        {
            map[KeyOf(property, name)] = UInt64Value(property.Value, name);
        }

        return map;
    }

    private string StringValue(JsonElement value, ReadOnlySpan<byte> name)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Wrong(name, "a string");
        }

        return Text(value, name);
    }

    /// <summary>
    /// JsonDocument checks neither raw UTF-8 nor escaped surrogates inside strings; transcoding does, with an
    /// InvalidOperationException, which here becomes the JsonException callers handle.
    /// </summary>
    private string Text(JsonElement value, ReadOnlySpan<byte> name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Wrong(name, "valid UTF-8 text");
        }
    }

    private string KeyOf(JsonProperty property, ReadOnlySpan<byte> name)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw Wrong(name, "valid UTF-8 text");
        }
    }

    private ulong UInt64Value(JsonElement value, ReadOnlySpan<byte> name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var number) ? number : throw Wrong(name, "an unsigned integer (64-bit)");

    private JsonException Wrong(ReadOnlySpan<byte> name, string expected) =>
        new($"{_what}: \"{Encoding.UTF8.GetString(name)}\" must be {expected}");

    private JsonException Missing(ReadOnlySpan<byte> name) =>
        new($"{_what}: \"{Encoding.UTF8.GetString(name)}\" is missing");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "no value",
    };
}
