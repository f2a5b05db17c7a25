namespace UPanel.Panel.Storage;

/// <summary>
/// Per-server limits on heartbeats (requests) and on the bytes they store, each a rate with a burst (GCRA: a bucket
/// of <c>Burst</c> that refills at <c>PerSecond</c>). Sized so that a real agent never reaches them, backlog drain
/// included (see docs/security.md), while one stolen agent token can no longer fill the panel's disk in seconds.
/// </summary>
internal sealed record HeartbeatQuota
{
    /// <summary>An agent samples at most every 5 s plus at most one extra heartbeat per 5 s (0.4/s): 2.5 times that.</summary>
    public double HeartbeatsPerSecond { get; init; } = 1;

    /// <summary>More than the agent's whole durable queue (24 h at the shortest interval, 5 s: 17,280), sent at once.</summary>
    public int HeartbeatBurst { get; init; } = 20_000;

    /// <summary>0.4 heartbeats/s of the largest body the panel takes (1 MiB) is 410 KiB/s.</summary>
    public long BytesPerSecond { get; init; } = 512 * 1024;

    /// <summary>Four times the agent's durable queue bound (16 MiB), sent at once.</summary>
    public long BytesBurst { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// What one heartbeat of <paramref name="bytes"/> costs in each bucket and how far ahead of now each bucket's
    /// arrival time may run (its burst), in milliseconds: a heartbeat passes while max(tat, now) + cost - now stays
    /// within the limit of both.
    /// </summary>
    public (long RequestCost, long RequestLimit, long ByteCost, long ByteLimit) Costs(long bytes)
    {
        var requestCost = (long)Math.Ceiling(1000 / HeartbeatsPerSecond);
        var byteCost = (long)Math.Ceiling(bytes * 1000.0 / BytesPerSecond);
        return (requestCost, requestCost * HeartbeatBurst, byteCost, (long)(BytesBurst * 1000.0 / BytesPerSecond));
    }
}
