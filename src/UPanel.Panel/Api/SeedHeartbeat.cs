using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>
/// What the seed's own clients send, made faithful before validation (docs/panel.md, "What the panel accepts"): its Go
/// agent names containers as the Docker API does ("/web", leading '/'), its manual curl sends no timestamp. A missing
/// health or uptime stays missing (unknown), never invented.
/// </summary>
internal static class SeedHeartbeat
{
    /// <summary>
    /// The heartbeat with one leading '/' taken off each container name and, when it has no timestamp, the time of
    /// receipt (<see cref="TimestampFromReceipt"/> says so to the store).
    /// </summary>
    public static Heartbeat? Normalize(Heartbeat? heartbeat, DateTimeOffset receivedAt)
    {
        if (heartbeat is null)
        {
            return null;
        }

        var containers = heartbeat.Containers;
        if (containers is not null && containers.Any(c => c?.Name is ['/', ..]))
        {
            containers = [.. containers.Select(c => c?.Name is ['/', .. var name] ? c with { Name = name } : c!)];
        }

        return heartbeat with { Timestamp = heartbeat.Timestamp ?? receivedAt, Containers = containers };
    }

    /// <summary>
    /// True when <paramref name="normalized"/> (from <see cref="Normalize"/>) says what <paramref name="received"/> did:
    /// it had a timestamp and no container name lost its '/'.
    /// </summary>
    public static bool ChangedNothing(Heartbeat received, Heartbeat normalized) =>
        received.Timestamp is not null && ReferenceEquals(received.Containers, normalized.Containers);

    /// <summary>True when the body had no timestamp: the panel stored the time of receipt in its place.</summary>
    public static bool TimestampFromReceipt(Heartbeat? received) => received is { Timestamp: null };
}
