using System.Text.Json;
using System.Text.Json.Serialization;

namespace UPanel.Contracts;

/// <summary>The wire's timestamps (<see cref="UtcTimestamp"/>) for the source-generated context.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        UtcTimestamp.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        UtcTimestamp.Write(writer, value);
}
