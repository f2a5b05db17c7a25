namespace UPanel.Agent.Collection.Host;

/// <summary>ram_used_mb and ram_total_mb from <c>/proc/meminfo</c>, as <c>free -m</c> shows them (MiB, rounded down).</summary>
internal sealed class MemoryCollector(IHostFiles files)
{
    public const string RelativePath = "meminfo";

    private char[] _buffer = new char[4096];

    /// <summary>Throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> or <see cref="FormatException"/>.</summary>
    public (long UsedMb, long TotalMb) Collect()
    {
        var info = MemInfoParser.Parse(files.ReadText(HostRootKind.Proc, RelativePath, ref _buffer));
        return ((long)(info.UsedKb / 1024), (long)(info.TotalKb / 1024));
    }
}
