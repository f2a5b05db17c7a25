namespace UPanel.Panel.Tests.Deployment;

/// <summary>This host's own figures, read here (outside any container) the way DESIGN.md defines the heartbeat's.</summary>
internal sealed record HostFigures(long RamTotalMb, long RamUsedMb, long DiskTotalGb, long DiskUsedGb, long NetworkInBytes, long NetworkOutBytes)
{
    public static HostFigures Read()
    {
        var meminfo = File.ReadLines("/proc/meminfo").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[0].TrimEnd(':'), f => long.Parse(f[1]));
        var root = new DriveInfo("/");
        long received = 0, sent = 0;
        foreach (var line in File.ReadLines("/proc/net/dev").Skip(2))
        {
            var colon = line.IndexOf(':');
            var name = line[..colon].Trim();
            if (Directory.Exists($"/sys/devices/virtual/net/{name}"))
            {
                continue;
            }

            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            received += long.Parse(fields[0]);
            sent += long.Parse(fields[8]);
        }

        return new HostFigures(
            meminfo["MemTotal"] / 1024,
            (meminfo["MemTotal"] - meminfo["MemAvailable"]) / 1024,
            root.TotalSize >> 30,
            (root.TotalSize - root.TotalFreeSpace) >> 30,
            received,
            sent);
    }
}
