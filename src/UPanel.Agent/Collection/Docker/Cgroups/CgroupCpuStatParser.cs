using System.Globalization;

namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>
/// Parses cgroup v2 <c>cpu.stat</c> ("usage_usec 123\nuser_usec 100\nsystem_usec 23\n..."). Returns null when
/// <c>usage_usec</c> is missing; other keys (nr_periods, throttled_usec, ...) are ignored.
/// </summary>
internal static class CgroupCpuStatParser
{
    public static CgroupCpuStat? Parse(ReadOnlySpan<char> text)
    {
        ulong? usage = null;
        ulong user = 0;
        ulong system = 0;
        foreach (var range in text.Split('\n'))
        {
            var line = text[range];
            var space = line.IndexOf(' ');
            if (space <= 0
                || !ulong.TryParse(line[(space + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            switch (line[..space])
            {
                case "usage_usec":
                    usage = value;
                    break;
                case "user_usec":
                    user = value;
                    break;
                case "system_usec":
                    system = value;
                    break;
            }
        }

        return usage is { } usageUsec ? new CgroupCpuStat(usageUsec, user, system) : null;
    }
}
