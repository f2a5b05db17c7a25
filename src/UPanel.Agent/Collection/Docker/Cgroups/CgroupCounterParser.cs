using System.Globalization;

namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>
/// Parses a cgroup file holding one unsigned number: v1 <c>cpuacct.usage</c> (ns) and <c>memory.usage_in_bytes</c>,
/// v2 <c>memory.current</c>. Returns null for anything else (e.g. "max").
/// </summary>
internal static class CgroupCounterParser
{
    public static ulong? Parse(ReadOnlySpan<char> text) =>
        ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
