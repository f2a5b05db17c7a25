namespace UPanel.Agent.Collection.Host;

/// <summary>Parses <c>/proc/meminfo</c> (proc(5)). Pure: text in, record out.</summary>
internal static class MemInfoParser
{
    /// <summary>
    /// Throws <see cref="FormatException"/> when MemTotal is missing, zero or malformed, when neither MemAvailable
    /// nor MemFree is there, or when a value it reads lacks its kB unit (a file cut short).
    /// </summary>
    public static MemInfo Parse(ReadOnlySpan<char> text)
    {
        ulong? total = null;
        ulong? available = null;
        ulong? free = null;
        ulong buffers = 0, cached = 0, reclaimable = 0;
        foreach (var line in text.EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = line[..colon];
            var rest = line[(colon + 1)..];
            switch (key)
            {
                case "MemTotal":
                    total = Kilobytes(rest, "/proc/meminfo MemTotal");
                    break;
                case "MemAvailable":
                    available = Kilobytes(rest, "/proc/meminfo MemAvailable");
                    break;
                case "MemFree":
                    free = Kilobytes(rest, "/proc/meminfo MemFree");
                    break;
                case "Buffers":
                    buffers = Kilobytes(rest, "/proc/meminfo Buffers");
                    break;
                case "Cached":
                    cached = Kilobytes(rest, "/proc/meminfo Cached");
                    break;
                case "SReclaimable":
                    reclaimable = Kilobytes(rest, "/proc/meminfo SReclaimable");
                    break;
                default:
                    continue;
            }

            // Everything after the first lines is not needed once the kernel gave MemAvailable.
            if (total is not null && available is not null)
            {
                break;
            }
        }

        if (total is not { } totalKb || totalKb == 0)
        {
            throw new FormatException("/proc/meminfo: no MemTotal");
        }

        if (available is { } availableKb)
        {
            return new MemInfo(totalKb, availableKb, AvailableIsEstimate: false);
        }

        // Kernels before 3.14 always have MemFree; without it the text is cut short, and an estimate of 0 free
        // would report all memory as used.
        if (free is not { } freeKb)
        {
            throw new FormatException("/proc/meminfo: neither MemAvailable nor MemFree");
        }

        // Saturate instead of wrapping on absurd input.
        var estimate = freeKb;
        foreach (var part in (ReadOnlySpan<ulong>)[buffers, cached, reclaimable])
        {
            estimate = ulong.MaxValue - estimate < part ? ulong.MaxValue : estimate + part;
        }

        return new MemInfo(totalKb, Math.Min(estimate, totalKb), AvailableIsEstimate: true);
    }

    private static ulong Kilobytes(ReadOnlySpan<char> rest, string key)
    {
        // Every kernel prints these in kB; a value without its unit is a line cut short.
        var value = KernelText.NextCounter(ref rest, key);
        if (!KernelText.NextField(ref rest, out var unit) || !unit.SequenceEqual("kB"))
        {
            throw new FormatException($"{key}: unit '{KernelText.Shorten(unit)}', kB expected");
        }

        return value;
    }
}
