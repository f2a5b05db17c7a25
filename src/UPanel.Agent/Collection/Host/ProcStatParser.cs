namespace UPanel.Agent.Collection.Host;

/// <summary>Parses <c>/proc/stat</c> (proc(5)). Pure: text in, record out.</summary>
internal static class ProcStatParser
{
    /// <summary>Throws <see cref="FormatException"/> when the text has no usable aggregate cpu line.</summary>
    public static ProcStat Parse(ReadOnlySpan<char> text)
    {
        CpuTimes? all = null;
        var cpuCount = 0;
        foreach (var line in text.EnumerateLines())
        {
            if (!line.StartsWith("cpu"))
            {
                // The cpu lines come first; the rest (intr can be thousands of numbers) is not ours to scan.
                if (all is not null)
                {
                    break;
                }

                continue;
            }

            if (line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cpuCount++;
            }
            else if (line.Length > 3 && (line[3] == ' ' || line[3] == '\t') && all is null)
            {
                all = ParseTimes(line[3..]);
            }
        }

        if (all is null)
        {
            throw new FormatException("/proc/stat: no 'cpu' line");
        }

        return new ProcStat(all.Value, cpuCount);
    }

    private static CpuTimes ParseTimes(ReadOnlySpan<char> rest)
    {
        // Linux 2.4 has 4 columns, 2.6.0 7, 2.6.11 8 (steal), later kernels up to 10 (guest, guest_nice).
        Span<ulong> values = stackalloc ulong[8];
        var count = 0;
        while (count < values.Length && KernelText.NextField(ref rest, out var field))
        {
            values[count++] = KernelText.ParseCounter(field, "/proc/stat cpu");
        }

        if (count < 4)
        {
            throw new FormatException($"/proc/stat: cpu line has {count} columns, at least 4 expected");
        }

        var times = new CpuTimes(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]);
        try
        {
            _ = checked(times.User + times.Nice + times.System + times.Irq + times.SoftIrq + times.Steal + times.Idle + times.IoWait);
        }
        catch (OverflowException)
        {
            throw new FormatException("/proc/stat: cpu counters overflow when summed");
        }

        return times;
    }
}
