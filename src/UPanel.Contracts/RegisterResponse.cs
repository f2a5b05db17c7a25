namespace UPanel.Contracts;

public sealed record RegisterResponse
{
    public string Status { get; init; } = "ok";

    public required string ServerId { get; init; }

    /// <summary>64 random characters; the panel keeps only its SHA-256.</summary>
    public required string AgentToken { get; init; }

    /// <summary>
    /// The panel's public URL, as the seed answers. Optional: the agent keeps the URL it registered with (a panel
    /// written from the seed alone may leave it out), so a panel behind a proxy cannot send it elsewhere by mistake.
    /// </summary>
    public string? PanelUrl { get; init; }

    public int? NextHeartbeatSeconds { get; init; }
}
