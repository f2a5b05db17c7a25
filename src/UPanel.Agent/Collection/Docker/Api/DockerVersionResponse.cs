using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>The part of <c>GET /version</c> used for API version negotiation (Docker and Podman both send these).</summary>
internal sealed record DockerVersionResponse
{
    public string? Version { get; init; }

    public string? ApiVersion { get; init; }

    public string? MinAPIVersion { get; init; }

    /// <summary>Throws <see cref="System.Text.Json.JsonException"/> for malformed JSON or a member of the wrong type.</summary>
    public static DockerVersionResponse Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "/version", ignoreCase: true);
        return new DockerVersionResponse
        {
            Version = fields.String("Version"u8),
            ApiVersion = fields.String("ApiVersion"u8),
            MinAPIVersion = fields.String("MinAPIVersion"u8),
        };
    }
}
