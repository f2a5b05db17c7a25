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
    private readonly ILogger _logger;
    private readonly CpuCollector _cpu;
    private readonly MemoryCollector _memory;
    private readonly DiskCollector _disk;
    private readonly LoadCollector _load;
    private readonly NetworkCollector _network;
    private readonly HostSourceState _cpuState;
    private readonly HostSourceState _memoryState;
    private readonly HostSourceState _diskState;
    private readonly HostSourceState _loadState;
    private readonly HostSourceState _networkState;
    private readonly string _classNetDir;
    private bool _guessingVirtualInterfaces;

    public HostMetricsCollector(IHostFiles files, ILogger logger)
    {
        _logger = logger;
        _cpu = new CpuCollector(files);
        _memory = new MemoryCollector(files);
        _disk = new DiskCollector(files);
        _load = new LoadCollector(files);
        _network = new NetworkCollector(files);
        _cpuState = new HostSourceState(files.PathOf(HostRootKind.Proc, CpuCollector.RelativePath), logger);
        _memoryState = new HostSourceState(files.PathOf(HostRootKind.Proc, MemoryCollector.RelativePath), logger);
        _diskState = new HostSourceState("filesystem " + files.PathOf(HostRootKind.Root, ""), logger);
        _loadState = new HostSourceState(files.PathOf(HostRootKind.Proc, LoadCollector.RelativePath), logger);
        _networkState = new HostSourceState(files.PathOf(HostRootKind.Proc, NetworkCollector.RelativePath), logger);
        _classNetDir = files.PathOf(HostRootKind.Sys, NetworkCollector.ClassNetDir);
    }

    public HostMetrics Collect()
    {
        double? cpuPercent = null;
        long? ramUsed = null, ramTotal = null, diskUsed = null, diskTotal = null, netIn = null, netOut = null;
        double[]? loadAverage = null;

        try
        {
            cpuPercent = _cpu.Collect();
            _cpuState.Succeeded();
        }
        catch (Exception e)
        {
            _cpuState.Failed(e);
        }

        try
        {
            (ramUsed, ramTotal) = _memory.Collect();
            _memoryState.Succeeded();
        }
        catch (Exception e)
        {
            _memoryState.Failed(e);
        }

        try
        {
            (diskUsed, diskTotal) = _disk.Collect();
            _diskState.Succeeded();
        }
        catch (Exception e)
        {
            _diskState.Failed(e);
        }

        try
        {
            var averages = _load.Collect();
            loadAverage = [averages.OneMinute, averages.FiveMinutes, averages.FifteenMinutes];
            _loadState.Succeeded();
        }
        catch (Exception e)
        {
            _loadState.Failed(e);
        }

        try
        {
            (netIn, netOut) = _network.Collect();
            _networkState.Succeeded();
            NoteVirtualInterfaceSource(_network.GuessedFromNames);
        }
        catch (Exception e)
        {
            _networkState.Failed(e);
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
        if (guessing == _guessingVirtualInterfaces)
        {
            return;
        }

        _guessingVirtualInterfaces = guessing;
        if (guessing)
        {
            Log.VirtualInterfacesGuessedByName(_logger, _classNetDir);
        }
        else
        {
            Log.VirtualInterfacesFromSysfs(_logger, _classNetDir);
        }
    }
}
