using System.Text.Json.Serialization;
using UPanel.Contracts;

namespace UPanel.Panel.Api.Admin;

/// <summary>The containers of the latest heartbeat; <c>containers: null</c> when the agent could not ask Docker.</summary>
internal sealed record ContainerList
{
    public required string ServerId { get; init; }

    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? SampleAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public IReadOnlyList<ContainerInfo>? Containers { get; init; }
}
