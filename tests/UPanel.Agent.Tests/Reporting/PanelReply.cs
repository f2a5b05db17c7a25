namespace UPanel.Agent.Tests.Reporting;

/// <summary>What <see cref="TestPanelServer"/> answers to one request.</summary>
internal sealed record PanelReply
{
    public int Status { get; init; } = 200;

    public string Body { get; init; } = string.Empty;

    public string ContentType { get; init; } = "application/json";

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Read the request, then never answer (until the server stops).</summary>
    public bool Hang { get; init; }

    public static PanelReply Ok(int? nextHeartbeatSeconds = null, string? newAgentToken = null) => new()
    {
        Body = "{\"status\":\"ok\",\"server_time\":\"2026-01-15T10:30:01Z\""
               + (nextHeartbeatSeconds is null ? string.Empty : $",\"next_heartbeat_seconds\":{nextHeartbeatSeconds}")
               + (newAgentToken is null ? string.Empty : $",\"new_agent_token\":\"{newAgentToken}\"")
               + "}",
    };

    public static PanelReply WithStatus(int status, string body = "") => new() { Status = status, Body = body };

    public static PanelReply RetryAfter(int status, string retryAfter) =>
        new() { Status = status, Headers = [new("Retry-After", retryAfter)] };

    public static PanelReply Hanging() => new() { Hang = true };
}
