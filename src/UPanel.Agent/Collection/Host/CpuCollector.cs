namespace UPanel.Agent.Collection.Host;

/// <summary>
/// cpu_percent: busy share of all host CPUs since the _previous <see cref="Collect"/>, from <c>/proc/stat</c> deltas.
/// Never blocks to sample. The first sample is read at construction, so the agent's first heartbeat (a few seconds
/// after start) already covers a real interval instead of the average since boot.
/// </summary>
internal sealed class CpuCollector
{
    public const string RelativePath = "stat";

    private readonly IHostFiles _files;
    private char[] _buffer = new char[4096];
    private CpuTimes? _previous;

    public CpuCollector(IHostFiles files)
    {
        _files = files;
        try
        {
            _previous = Read().AllCpus;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The first Collect reports the failure (and the aggregate logs it); until a sample exists we average since boot.
        }
    }

    /// <summary>Percent, 0–100, 2 decimals. Throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> or <see cref="FormatException"/>.</summary>
    public double Collect()
    {
        var current = Read();
        var percent = Percent(_previous, current.AllCpus, current.CpuCount, out var keepPrevious);
        if (!keepPrevious)
        {
            _previous = current.AllCpus;
        }

        return percent;
    }

    /// <summary>
    /// The busy share between two samples. A counter that went backwards (iowait does on NO_HZ kernels) counts as
    /// 0 for that interval, so the result is never negative or NaN; when the whole sum went backwards (a CPU went
    /// offline and took its counters along) the new sample becomes the baseline. Below one tick per CPU the interval
    /// holds no information (e.g. <c>collect</c> right after start): then the result is the average since boot and
    /// <paramref name="keepPrevious"/> tells the caller to measure the next interval from the older sample.
    /// </summary>
    internal static double Percent(CpuTimes? before, CpuTimes after, int cpuCount, out bool keepPrevious)
    {
        keepPrevious = false;
        if (before is { } b && after.Total >= b.Total)
        {
            var busy = Delta(b.User, after.User) + Delta(b.Nice, after.Nice) + Delta(b.System, after.System)
                + Delta(b.Irq, after.Irq) + Delta(b.SoftIrq, after.SoftIrq) + Delta(b.Steal, after.Steal);
            var total = busy + Delta(b.Idle, after.Idle) + Delta(b.IoWait, after.IoWait);
            if (total >= (ulong)Math.Max(cpuCount, 1))
            {
                return Share(busy, total);
            }

            keepPrevious = true;
        }

        return after.Total == 0 ? 0 : Share(after.Busy, after.Total);
    }

    private static ulong Delta(ulong before, ulong after) => after > before ? after - before : 0;

    private static double Share(ulong busy, ulong total) => Math.Clamp(Math.Round(100.0 * busy / total, 2), 0, 100);

    private ProcStat Read() => ProcStatParser.Parse(_files.ReadText(HostRootKind.Proc, RelativePath, ref _buffer));
}
