using System.Buffers;
using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Agent.Wire;

/// <summary>
/// Writes with <see cref="ContractsJsonContext"/>'s rules: a null member is left out (WhenWritingNull), the writer's
/// default escaping and number format (the context's converters call the same <see cref="Utf8JsonWriter"/> methods).
/// <para>
/// Why by hand (this folder, and the Read methods of the Docker records in Collection/Docker/Api) rather than with
/// source-generated contexts as CONVENTIONS.md prefers: the agent's RSS follows its binary, and the serializer's
/// machinery (JsonTypeInfo, converters, metadata services, the generated contexts) was ~0.7 MB of 6.7 MB (measured
/// with bench/footprint-size.sh: 6,738,752 → 6,019,296 bytes) against a 10 MiB RSS budget. The panel keeps
/// <see cref="ContractsJsonContext"/>; the agent's tests (tests/.../Wire) prove the output byte-identical to the
/// context's and that the readers take what the context and the real panel write. docs/decisions/hand-written-json.md.
/// </para>
/// </summary>
internal static class JsonWrite
{
    public static byte[] ToUtf8Bytes<T>(T value, Action<Utf8JsonWriter, T> write, bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            write(writer, value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void String(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    public static void Number(Utf8JsonWriter writer, ReadOnlySpan<byte> name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> for NaN or infinity, as the context does (strict number handling).</summary>
    public static void Number(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    public static void Boolean(Utf8JsonWriter writer, ReadOnlySpan<byte> name, bool? value)
    {
        if (value is { } flag)
        {
            writer.WriteBoolean(name, flag);
        }
    }

    public static void Timestamp(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DateTimeOffset? value)
    {
        if (value is { } timestamp)
        {
            writer.WritePropertyName(name);
            UtcTimestamp.Write(writer, timestamp);
        }
    }
}
