using System.Globalization;

namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>Parses <c>memory.stat</c> (v1 and v2: "key value" lines) for the inactive file cache.</summary>
internal static class CgroupMemoryStatParser
{
    public static CgroupMemoryStat Parse(ReadOnlySpan<char> text)
    {
        ulong? inactive = null;
        ulong? totalInactive = null;
        foreach (var range in text.Split('\n'))
        {
            var line = text[range];
            var space = line.IndexOf(' ');
            if (space <= 0)
            {
                continue;
            }

            var key = line[..space];
            var isInactive = key.SequenceEqual("inactive_file");
            if (!isInactive && !key.SequenceEqual("total_inactive_file"))
            {
                continue;
            }

            if (ulong.TryParse(line[(space + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                if (isInactive)
                {
                    inactive = value;
                }
                else
                {
                    totalInactive = value;
                }
            }
        }

        return new CgroupMemoryStat(inactive, totalInactive);
    }
}
