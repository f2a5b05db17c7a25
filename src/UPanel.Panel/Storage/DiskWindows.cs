using UPanel.Panel.Alerts;

namespace UPanel.Panel.Storage;

/// <summary>
/// The disk forecast's window of each server kept in memory where one panel owns the database (SQLite): the alert
/// evaluation sums it here instead of reading the window's rows again after every heartbeat, the largest read of an
/// evaluation (docs/decisions/ingest-throughput.md, sixth pass). A server's window is read from the database once
/// (<see cref="Seed"/>) under the write turn, and from then on the writer adds each heartbeat it stores
/// (<see cref="Stored"/>) after its batch committed and before it gives the turn back, so no row is counted twice or
/// missed. The sums are SQLite's (the same order, the same compensated summation), so the trend is the one the database
/// would return. Whatever deletes heartbeats forgets every window (<see cref="Forget"/>).
/// </summary>
internal sealed class DiskWindows(int maxSamples = DiskWindows.DefaultMaxSamples)
{
    /// <summary>Samples kept for one server at most (a 6-hour window at a 5 s interval holds 4,320): past it, its trend is summed by the database.</summary>
    public const int MaxSamplesPerServer = 20_000;

    /// <summary>
    /// Samples kept in all at most (24 bytes each; about 5,500 servers' 6-hour windows at a 60 s interval): past it, a
    /// window read is not kept and its server's trend is summed by the database until the next <see cref="Forget"/>. The
    /// windows kept stay: forgetting them all instead would have every evaluation read its window again, under the write
    /// turn, in a fleet larger than the bound.
    /// </summary>
    public const int DefaultMaxSamples = 2_000_000;

    private readonly int _maxSamples = maxSamples;

    private readonly object _lock = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private int _samples;

    /// <summary>One heartbeat's root filesystem reading, as the window's query filters and orders it.</summary>
    internal readonly record struct Sample(long At, long UsedGb, long TotalGb) : IComparable<Sample>
    {
        // The order of the covering index the database sums along: (sample_at, disk_used_gb, disk_total_gb).
        public int CompareTo(Sample other) => (At, UsedGb, TotalGb).CompareTo((other.At, other.UsedGb, other.TotalGb));
    }

    /// <summary>Whether a heartbeat's figures enter the window at all (the query's filter: used known, a total above 0).</summary>
    private static bool Counts(long? usedGb, long? totalGb) => usedGb is not null && totalGb is > 0;

    /// <summary>
    /// The trend over [<paramref name="from"/>, <paramref name="to"/>) from the window kept, or false when none is kept that
    /// covers <paramref name="from"/> (never seeded, forgotten, too large, or an earlier start than it was read from).
    /// Samples before <paramref name="from"/> are dropped: the evaluation's windows only move forward.
    /// </summary>
    public bool TryTrend(string serverId, DateTimeOffset from, DateTimeOffset to, out DiskTrend trend)
    {
        trend = default;
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (!_windows.TryGetValue(serverId, out var window) || window.Samples is not { } samples || fromMs < window.FromMs)
            {
                return false;
            }

            var before = 0;
            while (before < samples.Count && samples[before].At < fromMs)
            {
                before++;
            }

            if (before > 0)
            {
                samples.RemoveRange(0, before);
                _samples -= before;
            }

            window.FromMs = fromMs;
            trend = Sum(samples, toMs);
            return true;
        }
    }

    /// <summary>Whether <paramref name="serverId"/>'s window should be read from the database (none kept, and not one too large).</summary>
    public bool Wants(string serverId)
    {
        lock (_lock)
        {
            return !_windows.TryGetValue(serverId, out var window) || window.Samples is not null;
        }
    }

    /// <summary>
    /// The server's samples from <paramref name="from"/> on, as read from the database. The caller holds the write turn
    /// from before the read until this returns, so every heartbeat committed after the read comes through <see cref="Stored"/>.
    /// </summary>
    public void Seed(string serverId, DateTimeOffset from, List<Sample> samples)
    {
        samples.Sort();
        lock (_lock)
        {
            Remove(serverId);
            if (samples.Count > MaxSamplesPerServer || _samples + samples.Count > _maxSamples)
            {
                _windows[serverId] = new Window(from.ToUnixTimeMilliseconds(), null);
                return;
            }

            _windows[serverId] = new Window(from.ToUnixTimeMilliseconds(), samples);
            _samples += samples.Count;
        }
    }

    /// <summary>A heartbeat the writer stored (committed, and the write turn still held): added to its server's window if one is kept.</summary>
    public void Stored(string serverId, long sampleAtMs, long? usedGb, long? totalGb)
    {
        if (!Counts(usedGb, totalGb))
        {
            return;
        }

        lock (_lock)
        {
            if (!_windows.TryGetValue(serverId, out var window) || window.Samples is not { } samples || sampleAtMs < window.FromMs)
            {
                return;
            }

            if (samples.Count >= MaxSamplesPerServer || _samples >= _maxSamples)
            {
                // Summed by the database from now on (until forgotten): kept whole or not at all.
                Remove(serverId);
                _windows[serverId] = new Window(window.FromMs, null);
                return;
            }

            var sample = new Sample(sampleAtMs, usedGb!.Value, totalGb!.Value);
            // A heartbeat is almost always the server's newest: at the end. A late one goes in its place, after its equals
            // (stored later, so after them in the index's row order too).
            var at = samples.Count;
            while (at > 0 && samples[at - 1].CompareTo(sample) > 0)
            {
                at--;
            }

            samples.Insert(at, sample);
            _samples++;
        }
    }

    /// <summary>Every window forgotten: heartbeats were deleted (rollups, retention), or the database is not this one any more.</summary>
    public void Forget()
    {
        lock (_lock)
        {
            _windows.Clear();
            _samples = 0;
        }
    }

    /// <summary>Whether <paramref name="serverId"/>'s window is kept with its samples (tests).</summary>
    internal bool Keeps(string serverId)
    {
        lock (_lock)
        {
            return _windows.TryGetValue(serverId, out var window) && window.Samples is not null;
        }
    }

    private void Remove(string serverId)
    {
        if (_windows.Remove(serverId, out var window) && window.Samples is { } samples)
        {
            _samples -= samples.Count;
        }
    }

    /// <summary>
    /// The window query's sums (<c>SqlPanelStore.GetDiskTrendAsync</c>) over the samples before <paramref name="toMs"/>, in
    /// the index's order and with SQLite's compensated summation (Kahan-Babuska-Neumaier), so the same as its SUM.
    /// </summary>
    internal static DiskTrend Sum(List<Sample> samples, long toMs)
    {
        var end = samples.Count;
        while (end > 0 && samples[end - 1].At >= toMs)
        {
            end--;
        }

        if (end == 0)
        {
            return default;
        }

        Kbn sumX = default, sumY = default, sumXX = default, sumXY = default;
        for (var i = 0; i < end; i++)
        {
            var x = (double)(samples[i].At - toMs) / 3600000;
            var y = (double)samples[i].UsedGb;
            sumX.Add(x);
            sumY.Add(y);
            sumXX.Add(x * x);
            sumXY.Add(x * y);
        }

        return new DiskTrend(
            DateTimeOffset.FromUnixTimeMilliseconds(toMs), end, DateTimeOffset.FromUnixTimeMilliseconds(samples[0].At),
            DateTimeOffset.FromUnixTimeMilliseconds(samples[end - 1].At), sumX.Total, sumY.Total, sumXX.Total, sumXY.Total,
            samples[end - 1].TotalGb);
    }

    /// <summary>SQLite's <c>kahanBabuskaNeumaierStep</c> and <c>sumFinalize</c> for a SUM of doubles.</summary>
    private struct Kbn
    {
        private double _sum;
        private double _error;

        public void Add(double value)
        {
            var t = _sum + value;
            _error += Math.Abs(_sum) > Math.Abs(value) ? (_sum - t) + value : (value - t) + _sum;
            _sum = t;
        }

        public readonly double Total => double.IsFinite(_error) ? _sum + _error : _sum;
    }

    /// <param name="FromMs">The window's start when it was read or last moved: samples before it are not kept.</param>
    /// <param name="Samples">In the index's order; null for a window too large to keep (its trend is summed by the database).</param>
    private sealed class Window(long fromMs, List<Sample>? samples)
    {
        public long FromMs { get; set; } = fromMs;

        public List<Sample>? Samples { get; } = samples;
    }
}
