using UPanel.Contracts;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// The facts sent once at registration, read from the host (HOST_PROC, HOST_ROOT), not from the agent's container.
/// Best effort: a fact that cannot be read falls back as documented per field rather than failing registration;
/// <c>upanel-agent check</c> is where unreadable mounts are reported.
/// </summary>
internal sealed class HostFactsReader(IHostFiles files)
{
    public RegisterRequest Read() => new()
    {
        Hostname = Hostname(),
        OsVersion = OsVersion(),
        CpuCores = CpuCores(),
        RamMb = RamMb(),
        DiskGb = DiskGb(),
        AgentVersion = AgentInfo.Version,
        MachineId = MachineId(),
    };

    /// <summary>The host's UTS hostname (the container has its own); else HOST_ROOT/etc/hostname; else ours.</summary>
    private string Hostname() =>
        FirstLine(HostRootKind.Proc, "sys/kernel/hostname") ?? FirstLine(HostRootKind.Root, "etc/hostname") ?? Environment.MachineName;

    /// <summary>
    /// os-release's PRETTY_NAME (/etc, then /usr/lib as os-release(5) says); else the first line of
    /// system-release/redhat-release; else "Linux" and the kernel release (a host root that is not mounted).
    /// </summary>
    private string OsVersion()
    {
        foreach (var path in (ReadOnlySpan<string>)["etc/os-release", "usr/lib/os-release"])
        {
            if (TryRead(HostRootKind.Root, path) is { } text && OsReleaseParser.PrettyName(text) is { } name)
            {
                return name;
            }
        }

        // Distributions older than os-release (CentOS 5/6, old Amazon Linux) name themselves here.
        if ((FirstLine(HostRootKind.Root, "etc/system-release") ?? FirstLine(HostRootKind.Root, "etc/redhat-release")) is { } release)
        {
            return release;
        }

        return FirstLine(HostRootKind.Proc, "sys/kernel/osrelease") is { } kernel ? "Linux " + kernel : "Linux";
    }

    /// <summary>cpuN lines of /proc/stat: the host's CPUs, not the container's quota; 0 when unreadable.</summary>
    private int CpuCores()
    {
        try
        {
            return TryRead(HostRootKind.Proc, CpuCollector.RelativePath) is { } text ? ProcStatParser.Parse(text).CpuCount : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>MemTotal in MiB; 0 when unreadable.</summary>
    private long RamMb()
    {
        try
        {
            return TryRead(HostRootKind.Proc, MemoryCollector.RelativePath) is { } text ? (long)(MemInfoParser.Parse(text).TotalKb / 1024) : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>Size of the host's / in GiB; 0 when statvfs fails.</summary>
    private long DiskGb()
    {
        try
        {
            return (long)(DiskCollector.Read(files.PathOf(HostRootKind.Root, "")).TotalBytes >> 30);
        }
        catch (Exception e) when (e is IOException or FormatException or DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>/etc/machine-id (systemd); null when absent or not the 32 hex digits it should be.</summary>
    private string? MachineId()
    {
        var id = FirstLine(HostRootKind.Root, "etc/machine-id");
        if (id is null || id.Length != 32)
        {
            return null;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        return id.ToLowerInvariant();
    }

    private string? FirstLine(HostRootKind root, string path)
    {
        var text = TryRead(root, path);
        if (text is null)
        {
            return null;
        }

        var end = text.AsSpan().IndexOfAny('\r', '\n');
        var line = (end < 0 ? text.AsSpan() : text.AsSpan(0, end)).Trim();
        return line.IsEmpty ? null : line.ToString();
    }

    private string? TryRead(HostRootKind root, string path)
    {
        try
        {
            return files.ReadAllText(root, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
