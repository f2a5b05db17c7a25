using Microsoft.Extensions.Logging;
using UPanel.Contracts;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// The host half of a heartbeat. Each source (file or statvfs) feeds only its own fields: when one fails, those
/// fields are null (omitted from the JSON) and the rest are still reported. Any exception of a source (I/O, odd
/// content, libc, or a parser bug on input nobody foresaw) is that source's failure, logged once per change of
/// state: the heartbeat still goes out. Single caller at a time (the heartbeat loop or <c>collect</c>).
/// CPU is measured from construction on (see <see cref="CpuCollector"/>): build one instance and keep it.
/// </summary>
internal sealed class HostMetricsCollector : IHostMetricsSource
{
    private readonly ILogger logger;
    private readonly CpuCollector cpu;
    private readonly MemoryCollector memory;
    private readonly DiskCollector disk;
    private readonly LoadCollector load;
    private readonly NetworkCollector network;
    private readonly HostSourceState cpuState;
    private readonly HostSourceState memoryState;
    private readonly HostSourceState diskState;
    private readonly HostSourceState loadState;
    private readonly HostSourceState networkState;
    private readonly string classNetDir;
    private bool guessingVirtualInterfaces;

    public HostMetricsCollector(IHostFiles files, ILogger logger)
    {
        this.logger = logger;
        cpu = new CpuCollector(files);
        memory = new MemoryCollector(files);
        disk = new DiskCollector(files);
        load = new LoadCollector(files);
        network = new NetworkCollector(files);
        cpuState = new HostSourceState(files.PathOf(HostRootKind.Proc, CpuCollector.RelativePath), logger);
        memoryState = new HostSourceState(files.PathOf(HostRootKind.Proc, MemoryCollector.RelativePath), logger);
        diskState = new HostSourceState("filesystem " + files.PathOf(HostRootKind.Root, ""), logger);
        loadState = new HostSourceState(files.PathOf(HostRootKind.Proc, LoadCollector.RelativePath), logger);
        networkState = new HostSourceState(files.PathOf(HostRootKind.Proc, NetworkCollector.RelativePath), logger);
        classNetDir = files.PathOf(HostRootKind.Sys, NetworkCollector.ClassNetDir);
    }

    public HostMetrics Collect()
    {
        double? cpuPercent = null;
        long? ramUsed = null, ramTotal = null, diskUsed = null, diskTotal = null, netIn = null, netOut = null;
        double[]? loadAverage = null;

        try
        {
            cpuPercent = cpu.Collect();
            cpuState.Succeeded();
        }
        catch (Exception e)
        {
            cpuState.Failed(e);
        }

        try
        {
            (ramUsed, ramTotal) = memory.Collect();
            memoryState.Succeeded();
        }
        catch (Exception e)
        {
            memoryState.Failed(e);
        }

        try
        {
            (diskUsed, diskTotal) = disk.Collect();
            diskState.Succeeded();
        }
        catch (Exception e)
        {
            diskState.Failed(e);
        }

        try
        {
            var averages = load.Collect();
            loadAverage = [averages.OneMinute, averages.FiveMinutes, averages.FifteenMinutes];
            loadState.Succeeded();
        }
        catch (Exception e)
        {
            loadState.Failed(e);
        }

        try
        {
            (netIn, netOut) = network.Collect();
            networkState.Succeeded();
            NoteVirtualInterfaceSource(network.GuessedFromNames);
        }
        catch (Exception e)
        {
            networkState.Failed(e);
        }

        return new HostMetrics
        {
            CpuPercent = cpuPercent,
            RamUsedMb = ramUsed,
            RamTotalMb = ramTotal,
            DiskUsedGb = diskUsed,
            DiskTotalGb = diskTotal,
            LoadAverage = loadAverage,
            NetworkInBytes = netIn,
            NetworkOutBytes = netOut,
        };
    }

    private void NoteVirtualInterfaceSource(bool guessing)
    {
        if (guessing == guessingVirtualInterfaces)
        {
            return;
        }

        guessingVirtualInterfaces = guessing;
        if (guessing)
        {
            Log.VirtualInterfacesGuessedByName(logger, classNetDir);
        }
        else
        {
            Log.VirtualInterfacesFromSysfs(logger, classNetDir);
        }
    }
}
