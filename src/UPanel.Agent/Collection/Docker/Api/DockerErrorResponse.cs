using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>The engine's error body: <c>{"message":"..."}</c>.</summary>
internal sealed record DockerErrorResponse
{
    public string? Message { get; init; }

    /// <summary>Throws <see cref="System.Text.Json.JsonException"/> for malformed JSON or a member of the wrong type.</summary>
    public static DockerErrorResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "engine error", ignoreCase: true);
        return new DockerErrorResponse { Message = fields.String("message"u8) };
    }
}
