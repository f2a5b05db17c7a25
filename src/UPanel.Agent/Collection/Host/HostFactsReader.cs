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

    /// <summary>
    /// The host's name. /proc/sys/kernel/hostname answers for the reader's UTS namespace, whatever proc mount it is
    /// read through: in a container it is the container's id even under HOST_PROC. So when HOST_ROOT is the host's
    /// root mounted elsewhere, its /etc/hostname (hostname(5), the static name) comes first; on the host itself the
    /// kernel's current name does. Last resort: our own name.
    /// </summary>
    private string Hostname()
    {
        var kernel = FirstLine(HostRootKind.Proc, "sys/kernel/hostname");
        var configured = FirstLine(HostRootKind.Root, "etc/hostname");
        var hostRootIsOurRoot = Path.GetFullPath(files.PathOf(HostRootKind.Root, "")) == "/";
        return (hostRootIsOurRoot ? kernel ?? configured : configured ?? kernel) ?? Environment.MachineName;
    }

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

    /// <summary>The first line that is neither blank nor a # comment, trimmed; null when none or unreadable.</summary>
    private string? FirstLine(HostRootKind root, string path)
    {
        var text = TryRead(root, path);
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (!trimmed.IsEmpty && trimmed[0] != '#')
            {
                return trimmed.ToString();
            }
        }

        return null;
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
