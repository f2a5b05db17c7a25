using System.Collections.Immutable;
using UPanel.Contracts;

namespace UPanel.Panel.Alerts;

/// <summary>What the evaluator remembers about one server between evaluations; the previous state is never changed.</summary>
internal sealed record ServerAlertState
{
    public static readonly ServerAlertState Empty = new();

    /// <summary>Alerts firing, with when they started.</summary>
    public ImmutableDictionary<AlertKey, DateTimeOffset> Firing { get; init; } = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty;

    /// <summary>Conditions that hold but have not yet held for their duration, with since when.</summary>
    public ImmutableDictionary<AlertKey, DateTimeOffset> Pending { get; init; } = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty;

    /// <summary>The containers of the last evaluated heartbeat by name; null before the first one with containers.</summary>
    public ImmutableDictionary<string, ContainerInfo>? Containers { get; init; }

    /// <summary>
    /// Firing alerts that were sent (not muted): when last and how often. Kept by <see cref="NotificationPolicy.Decide"/>,
    /// not by the evaluator.
    /// </summary>
    public ImmutableDictionary<AlertKey, AlertNotice> Notified { get; init; } = ImmutableDictionary<AlertKey, AlertNotice>.Empty;

    /// <summary>Per container, when its restart count was seen to grow (within the restart-loop window).</summary>
    public ImmutableDictionary<string, ImmutableList<DateTimeOffset>> Restarts { get; init; } =
        ImmutableDictionary<string, ImmutableList<DateTimeOffset>>.Empty;

    /// <summary>
    /// Whether <paramref name="other"/> holds the same alerts, notices, containers and restarts: then
    /// <see cref="AlertStateJson.Write"/> writes the same JSON for both, so an evaluation that changed nothing skips it
    /// (docs/decisions/ingest-throughput.md, third pass). False says only that the JSON must be compared.
    /// </summary>
    public bool SameAs(ServerAlertState other) =>
        ReferenceEquals(this, other)
        || (Same(Firing, other.Firing) && Same(Pending, other.Pending) && Same(Notified, other.Notified)
            && (Containers is null ? other.Containers is null : other.Containers is not null && Same(Containers, other.Containers))
            && Restarts.Count == other.Restarts.Count
            && Restarts.All(r => other.Restarts.TryGetValue(r.Key, out var times) && r.Value.SequenceEqual(times)));

    private static bool Same<TKey, TValue>(ImmutableDictionary<TKey, TValue> one, ImmutableDictionary<TKey, TValue> other)
        where TKey : notnull
    {
        if (ReferenceEquals(one, other))
        {
            return true;
        }

        if (one.Count != other.Count)
        {
            return false;
        }

        foreach (var (key, value) in one)
        {
            if (!other.TryGetValue(key, out var otherValue) || !EqualityComparer<TValue>.Default.Equals(value, otherValue))
            {
                return false;
            }
        }

        return true;
    }
}
