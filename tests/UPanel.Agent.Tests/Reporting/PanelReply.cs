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

    /// <param name="serverTime">The panel's clock in the answer; none by default (the harness's clock is fake).</param>
    public static PanelReply Ok(int? nextHeartbeatSeconds = null, string? newAgentToken = null, DateTimeOffset? serverTime = null) => new()
    {
        Body = "{\"status\":\"ok\""
               + (serverTime is null ? string.Empty : $",\"server_time\":\"{serverTime.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\"")
               + (nextHeartbeatSeconds is null ? string.Empty : $",\"next_heartbeat_seconds\":{nextHeartbeatSeconds}")
               + (newAgentToken is null ? string.Empty : $",\"new_agent_token\":\"{newAgentToken}\"")
               + "}",
    };

    public static PanelReply WithStatus(int status, string body = "") => new() { Status = status, Body = body };

    public static PanelReply RetryAfter(int status, string retryAfter) =>
        new() { Status = status, Headers = [new("Retry-After", retryAfter)] };

    public static PanelReply Hanging() => new() { Hang = true };
}
