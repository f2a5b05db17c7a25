using System.Text.Json;
using UPanel.Agent.Wire;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>One entry of <c>GET /containers/json?all=1</c>; only the fields the agent reads (all present since API 1.21).</summary>
internal sealed record DockerContainerSummary
{
    public required string Id { get; init; }

    public IReadOnlyList<string>? Names { get; init; }

    public string? Image { get; init; }

    /// <summary>running, exited, paused, restarting, created, removing or dead.</summary>
    public string? State { get; init; }

    /// <summary>Human text, e.g. "Up 5 minutes (healthy)" or "Exited (3) 2 hours ago".</summary>
    public string? Status { get; init; }

    /// <summary>The whole list; throws <see cref="JsonException"/> for malformed JSON, a wrong type or an entry without Id.</summary>
    public static List<DockerContainerSummary> ReadList(ReadOnlyMemory<byte> json)
    {
        using var document = JsonFields.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("/containers/json: expected a JSON array");
        }

        var list = new List<DockerContainerSummary>(root.GetArrayLength());
        foreach (var entry in root.EnumerateArray())
        {
            var fields = JsonFields.Of(entry, "/containers/json entry", ignoreCase: true);
            list.Add(new DockerContainerSummary
            {
                Id = fields.RequiredString("Id"u8),
                Names = fields.StringList("Names"u8),
                Image = fields.String("Image"u8),
                State = fields.String("State"u8),
                Status = fields.String("Status"u8),
            });
        }

        return list;
    }
}
