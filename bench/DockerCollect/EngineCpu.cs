using System.Globalization;

namespace UPanel.Agent;

/// <summary>
/// CPU time of the engine's processes (dockerd, containerd, containerd-shim*: one-shot stats go through containerd
/// and the shims), summed from /proc/PID/stat in clock ticks (10 ms; averaged over many heartbeats).
/// </summary>
internal static class EngineCpu
{
    private static readonly string[] Names = ["dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2"];

    public static TimeSpan Total()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(dir);
            if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var comm = stat[(open + 1)..close];
                if (!Names.Any(n => comm.StartsWith(n, StringComparison.Ordinal)))
                {
                    continue;
                }

                // Fields after "(comm) ": state=0, ..., utime=11, stime=12.
                var fields = stat[(close + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }

        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
