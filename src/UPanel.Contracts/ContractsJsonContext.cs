using System.Text.Json.Serialization;

namespace UPanel.Contracts;

/// <summary>
/// The one source-generated serializer for everything on the wire: snake_case, nulls skipped, numbers strict. The
/// panel uses it; the agent writes the same bytes by hand to stay small (UPanel.Agent/Wire, tested against this).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 16)]
[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(RegisterResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
