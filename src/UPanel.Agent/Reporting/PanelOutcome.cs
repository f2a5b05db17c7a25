namespace UPanel.Agent.Reporting;

/// <summary>How the panel answered one heartbeat, as far as the reporter must act on it.</summary>
internal enum PanelOutcome
{
    /// <summary>2xx: delivered (the body may still have been empty or unreadable).</summary>
    Success,

    /// <summary>Network error, timeout, 408, 429, 5xx or an unexpected status: keep it and try again later.</summary>
    Retryable,

    /// <summary>400/413/422: the panel will never take this heartbeat; drop it.</summary>
    Rejected,

    /// <summary>401/403: the token is refused; keep the queue.</summary>
    Unauthorized,
}
