using System.Globalization;

namespace UPanel.Agent;

/// <summary>
/// CPU time of the engine's processes (dockerd, containerd, containerd-shim*: one-shot stats go through containerd
/// and the shims), summed over their threads from /proc/PID/task/TID/schedstat (nanoseconds, unlike the 10 ms ticks
/// of /proc/PID/stat).
/// </summary>
internal static class EngineCpu
{
    private static readonly string[] Names = ["dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2"];

    public static TimeSpan Total()
    {
        long nanoseconds = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(dir);
            if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]))
            {
                continue;
            }

            try
            {
                var comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                if (!Names.Any(n => comm.StartsWith(n, StringComparison.Ordinal)))
                {
                    continue;
                }

                foreach (var task in Directory.EnumerateDirectories(Path.Combine(dir, "task")))
                {
                    var schedstat = File.ReadAllText(Path.Combine(task, "schedstat"));
                    nanoseconds += long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ')), CultureInfo.InvariantCulture);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile.
            }
        }

        return TimeSpan.FromTicks(nanoseconds / 100);
    }
}
