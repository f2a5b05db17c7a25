using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// network_in_bytes and network_out_bytes: counters since boot summed over the host's non-virtual interfaces.
/// Reads <c>HOST_PROC/1/net/dev</c> (init's view, i.e. the host's network namespace, even when the agent runs in a
/// container without host networking). An interface is virtual when <c>HOST_SYS/devices/virtual/net/NAME</c>
/// exists (lo, docker0, veth*, br-*, bonds, VLANs...): their traffic is already counted on a physical interface
/// or never leaves the host.
/// </summary>
internal sealed class NetworkCollector(IHostFiles files)
{
    public const string RelativePath = "1/net/dev";
    public const string VirtualNetDir = "devices/virtual/net";

    // Names whose traffic is not the host's own when HOST_SYS is not mounted and sysfs cannot tell.
    private static readonly string[] VirtualPrefixes =
        ["lo", "docker", "veth", "br-", "virbr", "cni", "flannel", "cali", "vxlan", "tun", "tap", "kube", "cilium", "weave", "lxc", "ifb", "dummy"];

    // Whether a name is virtual cannot change while the interface exists; one stat per new name, not per heartbeat.
    private readonly Dictionary<string, (bool Virtual, int Seen)> isVirtual = new(StringComparer.Ordinal);
    private int generation;
    private char[] buffer = new char[4096];

    /// <summary>True when the last <see cref="Collect"/> had no sysfs to ask and went by interface names.</summary>
    public bool GuessedFromNames { get; private set; }

    /// <summary>Throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> or <see cref="FormatException"/>.</summary>
    public (long InBytes, long OutBytes) Collect()
    {
        var interfaces = NetDevParser.Parse(files.ReadText(HostRootKind.Proc, RelativePath, ref buffer));
        generation++;
        GuessedFromNames = !files.Exists(HostRootKind.Sys, VirtualNetDir);
        if (GuessedFromNames)
        {
            isVirtual.Clear();
        }

        ulong received = 0;
        ulong transmitted = 0;
        foreach (var nic in interfaces)
        {
            if (IsVirtual(nic.Name))
            {
                continue;
            }

            try
            {
                received = checked(received + nic.ReceivedBytes);
                transmitted = checked(transmitted + nic.TransmittedBytes);
            }
            catch (OverflowException)
            {
                throw new FormatException("/proc/net/dev: byte counters overflow when summed");
            }
        }

        if (received > long.MaxValue || transmitted > long.MaxValue)
        {
            throw new FormatException("/proc/net/dev: byte counters out of range");
        }

        ForgetVanished();
        return ((long)received, (long)transmitted);
    }

    private bool IsVirtual(string name)
    {
        if (GuessedFromNames)
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

        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(isVirtual, name, out var known);
        if (!known)
        {
            entry.Virtual = files.Exists(HostRootKind.Sys, VirtualNetDir + "/" + name);
        }

        entry.Seen = generation;
        return entry.Virtual;
    }

    // A vanished name may come back as another kind of device (veth names are reused); forget it.
    private void ForgetVanished()
    {
        List<string>? vanished = null;
        foreach (var (name, entry) in isVirtual)
        {
            if (entry.Seen != generation)
            {
                (vanished ??= []).Add(name);
            }
        }

        if (vanished is not null)
        {
            foreach (var name in vanished)
            {
                isVirtual.Remove(name);
            }
        }
    }
}
