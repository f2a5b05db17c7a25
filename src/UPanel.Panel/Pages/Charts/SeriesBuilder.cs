namespace UPanel.Panel.Pages.Charts;

/// <summary>
/// Downsamples a server's history on the panel, so a 30-day page sends a few hundred points, not 43,200: the range
/// is cut into equal buckets and each keeps min/avg/max. Network counters become rates between consecutive samples
/// first; a pair with a falling counter (agent or host restart) or a gap longer than <c>gapSeconds</c> gives no rate,
/// so the chart never shows a negative spike or a line drawn across missing heartbeats.
/// </summary>
internal static class SeriesBuilder
{
    /// <summary>About this many points per chart, whatever the range.</summary>
    public const int TargetPoints = 360;

    /// <summary>Buckets never shorter than twice the heartbeat interval: a bucket without a sample means a missed heartbeat.</summary>
    public static int BucketSeconds(TimeSpan range, int heartbeatSeconds) =>
        (int)Math.Max(Math.Ceiling(range.TotalSeconds / TargetPoints), 2L * Math.Max(1, heartbeatSeconds));

    /// <summary>
    /// Builds the chart from <paramref name="history"/> ordered by time: raw heartbeats and rollups alike. A slice counts
    /// in the bucket of its first sample; rollups are 4 minutes aligned to the clock, and every range's bucket is a
    /// multiple of that or longer than two heartbeats (then a rollup holds one sample), so a chart built from rollups
    /// shows what one built from the raw samples would (SeriesFromRollupsTests).
    /// </summary>
    public static ChartSeries Build(IReadOnlyList<HistorySlice> history, long fromSeconds, long toSeconds, int bucketSeconds, int gapSeconds)
    {
        var count = (int)Math.Max(1, (toSeconds - fromSeconds + bucketSeconds - 1) / bucketSeconds);
        var cpu = new Accumulator(count);
        var ram = new Accumulator(count);
        var ramTotal = new Accumulator(count);
        var disk = new Accumulator(count);
        var diskTotal = new Accumulator(count);
        var load = new Accumulator(count);
        var netIn = new Accumulator(count);
        var netOut = new Accumulator(count);
        var samples = 0L;
        HistorySlice? previous = null;
        foreach (var slice in history)
        {
            var bucket = (int)((slice.FirstAtMs / 1000 - fromSeconds) / bucketSeconds);
            if (slice.FirstAtMs / 1000 < fromSeconds || bucket >= count)
            {
                previous = slice;
                continue;
            }

            samples += slice.Samples;
            cpu.Add(bucket, slice.Cpu);
            ram.Add(bucket, slice.RamUsedMb);
            ramTotal.Add(bucket, Stat.Of(slice.RamTotalMbMax));
            disk.Add(bucket, slice.DiskUsedGb);
            diskTotal.Add(bucket, Stat.Of(slice.DiskTotalGbMax));
            load.Add(bucket, slice.Load1);
            netIn.Add(bucket, slice.InRate);
            netOut.Add(bucket, slice.OutRate);
            if (previous is { } before)
            {
                netIn.Add(bucket, Stat.Of(Rate(before.LastAtMs, before.LastInBytes, slice.FirstAtMs, slice.FirstInBytes, gapSeconds)));
                netOut.Add(bucket, Stat.Of(Rate(before.LastAtMs, before.LastOutBytes, slice.FirstAtMs, slice.FirstOutBytes, gapSeconds)));
            }

            previous = slice;
        }

        var time = new long[count];
        for (var i = 0; i < count; i++)
        {
            time[i] = fromSeconds + (long)i * bucketSeconds;
        }

        return new ChartSeries
        {
            FromSeconds = fromSeconds,
            ToSeconds = toSeconds,
            BucketSeconds = bucketSeconds,
            Samples = (int)samples,
            Time = time,
            Cpu = cpu.Band(),
            RamUsedMb = ram.Band(),
            RamTotalMb = ramTotal.Band().Max,
            DiskUsedGb = disk.Band(),
            DiskTotalGb = diskTotal.Band().Max,
            Load1 = load.Band(),
            NetworkInRate = netIn.Band(),
            NetworkOutRate = netOut.Band(),
        };
    }

    /// <summary>Bytes per second between two counter readings; null across a reset, a gap or a missing reading.</summary>
    public static double? Rate(long atMs, long? bytes, long nextAtMs, long? nextBytes, int gapSeconds)
    {
        var elapsedMs = nextAtMs - atMs;
        if (bytes is not { } a || nextBytes is not { } b || b < a || elapsedMs <= 0 || elapsedMs > gapSeconds * 1000L)
        {
            return null;
        }

        return (b - a) * 1000.0 / elapsedMs;
    }

    private sealed class Accumulator(int count)
    {
        private readonly double[] _min = new double[count];
        private readonly double[] _max = new double[count];
        private readonly double[] _sum = new double[count];
        private readonly long[] _n = new long[count];

        public void Add(int bucket, Stat stat)
        {
            if (stat.N == 0)
            {
                return;
            }

            if (_n[bucket] == 0 || stat.Min < _min[bucket])
            {
                _min[bucket] = stat.Min;
            }

            if (_n[bucket] == 0 || stat.Max > _max[bucket])
            {
                _max[bucket] = stat.Max;
            }

            _sum[bucket] += stat.Sum;
            _n[bucket] += stat.N;
        }

        public Band Band()
        {
            var min = new double?[count];
            var avg = new double?[count];
            var max = new double?[count];
            for (var i = 0; i < count; i++)
            {
                if (_n[i] > 0)
                {
                    min[i] = _min[i];
                    max[i] = _max[i];
                    avg[i] = Math.Round(_sum[i] / _n[i], 3);
                }
            }

            return new Band(min, avg, max);
        }
    }
}
