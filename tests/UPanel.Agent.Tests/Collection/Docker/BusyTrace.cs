using System.Diagnostics;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// The CPU ticks of one process from /proc, read every 10 ms and at each <see cref="Mark"/>, with the time of each read.
/// A collection reads a container's CPU (a cgroup file, or the engine's read for the stats API) at some moment inside
/// it, which the test cannot see: <see cref="StopAsync"/> bounds the CPU percent over any window from a moment between
/// the first two marks to one between the last two. On a saturated host (CI's 2 cores) what the loop gets changes from
/// one moment to the next, so only a figure for the collections' own windows can be compared with ours.
/// </summary>
internal sealed class BusyTrace
{
    private readonly int _pid;
    private readonly List<(long Timestamp, long Ticks)> _reads = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BusyTrace(int pid)
    {
        _pid = pid;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Mark();
                await Task.Delay(10, CancellationToken.None);
            }
        });
    }

    public long Mark()
    {
        var ticks = TestContainers.ProcessCpuTicks(_pid);
        var timestamp = Stopwatch.GetTimestamp();
        lock (_reads)
        {
            _reads.Add((timestamp, ticks));
        }

        return timestamp;
    }

    /// <summary>
    /// The least and most CPU percent (100 = one core) over a window from any moment in [<paramref name="firstFrom"/>,
    /// <paramref name="firstUntil"/>] to any in [<paramref name="secondFrom"/>, <paramref name="secondUntil"/>]. Between
    /// two consecutive reads the moment and the ticks at it are only known to lie between theirs (the trace may be
    /// starved for a while on a loaded host), so each pair of gaps gives its extremes: the least from the fewest ticks
    /// over the longest span, the most from the most ticks over the shortest.
    /// </summary>
    public async Task<(double Lowest, double Highest)> StopAsync(long firstFrom, long firstUntil, long secondFrom, long secondUntil)
    {
        await _stop.CancelAsync();
        await _loop;
        var starts = Gaps(firstFrom, firstUntil);
        var ends = Gaps(secondFrom, secondUntil);
        var lowest = double.MaxValue;
        var highest = double.MinValue;
        foreach (var (startEarly, startLate) in starts)
        {
            foreach (var (endEarly, endLate) in ends)
            {
                lowest = Math.Min(lowest, Percent(endEarly.Ticks - startLate.Ticks, startEarly.Timestamp, endLate.Timestamp));
                highest = Math.Max(highest, Percent(endLate.Ticks - startEarly.Ticks, startLate.Timestamp, endEarly.Timestamp));
            }
        }

        return (lowest, highest);
    }

    /// <summary>Consecutive reads from <paramref name="from"/> to <paramref name="until"/> (both marks), as pairs.</summary>
    private List<((long Timestamp, long Ticks) Early, (long Timestamp, long Ticks) Late)> Gaps(long from, long until)
    {
        var reads = _reads.Where(r => r.Timestamp >= from && r.Timestamp <= until).OrderBy(r => r.Timestamp).ToList();
        return reads.Count == 1 ? [(reads[0], reads[0])] : reads.Zip(reads.Skip(1)).ToList();
    }

    private static double Percent(long ticks, long fromTimestamp, long untilTimestamp) =>
        ticks * 10.0 / Stopwatch.GetElapsedTime(fromTimestamp, untilTimestamp).TotalMilliseconds * 100;
}
