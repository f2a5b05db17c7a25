using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// disk_used_gb and disk_total_gb: statvfs of HOST_ROOT, the host's <c>/</c> (never the container's overlay),
/// in GiB rounded down.
/// </summary>
internal sealed class DiskCollector(IHostFiles files)
{
    private readonly string _path = files.PathOf(HostRootKind.Root, "");

    /// <summary>Throws <see cref="IOException"/> (statvfs failed) or <see cref="FormatException"/>.</summary>
    public (long UsedGb, long TotalGb) Collect()
    {
        var usage = Read(_path);
        return ((long)(usage.UsedBytes >> 30), (long)(usage.TotalBytes >> 30));
    }

    /// <summary>statvfs of <paramref name="path"/>; throws <see cref="IOException"/> with errno's message.</summary>
    internal static DiskUsage Read(string path)
    {
        if (LibC.StatVfs(path, out var stat) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"statvfs {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        return DiskUsage.From(stat);
    }
}
