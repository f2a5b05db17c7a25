namespace UPanel.Contracts;

public sealed record RegisterResponse
{
    public string Status { get; init; } = "ok";

    public required string ServerId { get; init; }

    /// <summary>64 random characters; the panel keeps only its SHA-256.</summary>
    public required string AgentToken { get; init; }

    public required string PanelUrl { get; init; }

    public int? NextHeartbeatSeconds { get; init; }
}
