using System.Net;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>The result of one heartbeat POST. <see cref="Reason"/> is for logs and never holds the token.</summary>
internal sealed record PanelResult
{
    public required PanelOutcome Outcome { get; init; }

    /// <summary>The HTTP status, or null when no response arrived (network error, timeout).</summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>The panel's answer on success; null when the body was empty or unreadable.</summary>
    public HeartbeatResponse? Response { get; init; }

    /// <summary>The panel's Retry-After (retryable only), clamped to 0–1 h.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Why it was not a success, in a few words.</summary>
    public string? Reason { get; init; }

    /// <summary>The panel's address was reached and <see cref="Reason"/> names the mistake and its fix (TLS, http/https).</summary>
    public bool ReasonNamesFix { get; init; }
}
