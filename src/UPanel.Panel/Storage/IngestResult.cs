namespace UPanel.Panel.Storage;

/// <summary>What became of one heartbeat; <paramref name="RetryAfter"/> is set when it was <see cref="IngestOutcome.RateLimited"/>.</summary>
internal sealed record IngestResult(IngestOutcome Outcome, TimeSpan? RetryAfter = null);
