using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// network_in_bytes and network_out_bytes: counters since boot summed over the host's non-virtual interfaces.
/// Reads <c>HOST_PROC/1/net/dev</c> (init's view, i.e. the host's network namespace, even when the agent runs in a
/// container without host networking). An interface is virtual when <c>HOST_SYS/devices/virtual/net/NAME</c>
/// exists (lo, docker0, veth*, br-*, bonds, VLANs...): their traffic is already counted on a physical interface
/// or never leaves the host. sysfs shows the network namespace of whoever mounted it, so an interface missing from
/// <c>HOST_SYS/class/net</c> too is one this sysfs cannot judge (the container's own /sys, or none): it is judged
/// by its name instead.
/// </summary>
internal sealed class NetworkCollector(IHostFiles files)
{
    public const string RelativePath = "1/net/dev";
    public const string VirtualNetDir = "devices/virtual/net";
    public const string ClassNetDir = "class/net";

    // For interfaces sysfs cannot tell about: names whose traffic is not the host's own.
    private static readonly string[] VirtualPrefixes =
        ["lo", "docker", "veth", "br-", "virbr", "cni", "flannel", "cali", "vxlan", "tun", "tap", "kube", "cilium", "weave", "lxc", "ifb", "dummy"];

    // Whether a name is virtual cannot change while the interface exists: ask sysfs once per new name, not per heartbeat.
    private readonly Dictionary<string, (bool Virtual, bool Guessed, int Seen)> _verdicts = new(StringComparer.Ordinal);
    private int _generation;
    private char[] _buffer = new char[4096];

    /// <summary>
    /// True when the last <see cref="Collect"/> met an interface that HOST_SYS does not know (sysfs not mounted, or
    /// the container's own sysfs, which shows only the container's network namespace) and judged it by its name.
    /// </summary>
    public bool GuessedFromNames { get; private set; }

    /// <summary>Throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> or <see cref="FormatException"/>.</summary>
    public (long InBytes, long OutBytes) Collect()
    {
        var interfaces = NetDevParser.Parse(files.ReadText(HostRootKind.Proc, RelativePath, ref _buffer));
        _generation++;
        var guessed = false;
        ulong received = 0;
        ulong transmitted = 0;
        foreach (var nic in interfaces)
        {
            ref var verdict = ref Judge(nic.Name);
            guessed |= verdict.Guessed;
            if (verdict.Virtual)
            {
                continue;
            }

            if (ulong.MaxValue - received < nic.ReceivedBytes || ulong.MaxValue - transmitted < nic.TransmittedBytes)
            {
                throw new FormatException("/proc/net/dev: byte counters overflow when summed");
            }

            received += nic.ReceivedBytes;
            transmitted += nic.TransmittedBytes;
        }

        if (received > long.MaxValue || transmitted > long.MaxValue)
        {
            throw new FormatException("/proc/net/dev: byte counters out of range");
        }

        GuessedFromNames = guessed;
        ForgetVanished();
        return ((long)received, (long)transmitted);
    }

    private ref (bool Virtual, bool Guessed, int Seen) Judge(string name)
    {
        ref var verdict = ref CollectionsMarshal.GetValueRefOrAddDefault(_verdicts, name, out var known);
        if (!known)
        {
            if (files.Exists(HostRootKind.Sys, VirtualNetDir + "/" + name))
            {
                verdict.Virtual = true;
            }
            else if (!files.Exists(HostRootKind.Sys, ClassNetDir + "/" + name))
            {
                // Not in this sysfs at all, so its absence under devices/virtual proves nothing.
                verdict.Guessed = true;
                verdict.Virtual = HasVirtualName(name);
            }
        }

        verdict.Seen = _generation;
        return ref verdict;
    }

    private static bool HasVirtualName(string name)
    {
        foreach (var prefix in VirtualPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // A vanished name may come back as another kind of device (veth names are reused), and a guess may become a
    // sysfs answer once HOST_SYS is mounted and the interface reappears; forget what is gone.
    private void ForgetVanished()
    {
        List<string>? vanished = null;
        foreach (var (name, verdict) in _verdicts)
        {
            if (verdict.Seen != _generation)
            {
                (vanished ??= []).Add(name);
            }
        }

        if (vanished is not null)
        {
            foreach (var name in vanished)
            {
                _verdicts.Remove(name);
            }
        }
    }
}
