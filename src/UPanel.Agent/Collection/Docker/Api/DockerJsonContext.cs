using System.Text.Json.Serialization;

namespace UPanel.Agent.Collection.Docker.Api;

/// <summary>
/// Source-generated (AOT-safe) serializer for the few Engine API shapes the agent reads. The engine's names are
/// PascalCase like ours (stats use snake_case via attributes); case-insensitive so Podman's compat layer also binds.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, MaxDepth = 64)]
[JsonSerializable(typeof(DockerVersionResponse))]
[JsonSerializable(typeof(List<DockerContainerSummary>))]
[JsonSerializable(typeof(DockerContainerInspect))]
[JsonSerializable(typeof(DockerStatsResponse))]
[JsonSerializable(typeof(DockerEvent))]
[JsonSerializable(typeof(DockerErrorResponse))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
