namespace UPanel.Agent.Collection.Host;

/// <summary>Parses <c>/proc/net/dev</c> (proc(5)). Pure: text in, record out.</summary>
internal static class NetDevParser
{
    // rx: bytes packets errs drop fifo frame compressed multicast, then tx bytes.
    private const int TransmitBytesColumn = 8;

    /// <summary>
    /// Every interface line, in file order. The two header lines are skipped; a malformed interface line throws
    /// <see cref="FormatException"/>, since summing the rest would silently under-count.
    /// </summary>
    public static List<NetDevInterface> Parse(ReadOnlySpan<char> text)
    {
        var interfaces = new List<NetDevInterface>();
        var sawHeader = false;
        foreach (var line in text.EnumerateLines())
        {
            if (line.Contains('|'))
            {
                sawHeader = true;
                continue;
            }

            // Old kernels glue large counters to the colon ("eth0:123456789"), so split at it, not at blanks.
            var colon = line.IndexOf(':');
            if (colon < 0)
            {
                if (line.IsWhiteSpace())
                {
                    continue;
                }

                throw new FormatException($"/proc/net/dev: line '{KernelText.Shorten(line)}' has no interface name");
            }

            var name = line[..colon].Trim();
            if (name.IsEmpty)
            {
                throw new FormatException("/proc/net/dev: empty interface name");
            }

            var rest = line[(colon + 1)..];
            var received = KernelText.NextCounter(ref rest, "/proc/net/dev receive bytes");
            for (var column = 1; column < TransmitBytesColumn; column++)
            {
                _ = KernelText.NextCounter(ref rest, "/proc/net/dev receive counters");
            }

            var transmitted = KernelText.NextCounter(ref rest, "/proc/net/dev transmit bytes");
            interfaces.Add(new NetDevInterface(name.ToString(), received, transmitted));
        }

        if (!sawHeader)
        {
            throw new FormatException("/proc/net/dev: no header line");
        }

        return interfaces;
    }
}
