using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>One line of <c>GET /events</c> (Type/Action/Actor exist since API 1.22; the old status/id/from are not used).</summary>
internal sealed record DockerEvent
{
    public string? Type { get; init; }

    /// <summary>die, oom, start, destroy, "health_status: unhealthy", ...</summary>
    public string? Action { get; init; }

    public DockerEventActor? Actor { get; init; }

    /// <summary>One line; throws <see cref="System.Text.Json.JsonException"/> for malformed JSON or a member of the wrong type.</summary>
    public static DockerEvent Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var fields = JsonFields.Of(document.RootElement, "/events line", ignoreCase: true);
        return new DockerEvent
        {
            Type = fields.String("Type"u8),
            Action = fields.String("Action"u8),
            Actor = fields.Object("Actor"u8) is { } actor ? DockerEventActor.From(actor) : null,
        };
    }
}
