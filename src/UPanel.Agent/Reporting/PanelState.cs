namespace UPanel.Agent.Reporting;

/// <summary>What the agent last learned about the panel; shown in <c>/health</c>.</summary>
internal enum PanelState
{
    /// <summary>No heartbeat attempted yet.</summary>
    Unknown,

    /// <summary>The last attempt was accepted.</summary>
    Ok,

    /// <summary>Network error, timeout, 408, 429, 5xx or an unexpected status: heartbeats are queued.</summary>
    Unreachable,

    /// <summary>401/403: the token is refused; heartbeats are queued until a token works.</summary>
    Unauthorized,

    /// <summary>400/413/422: the panel refused the last heartbeat's content, which was dropped.</summary>
    Rejected,
}
