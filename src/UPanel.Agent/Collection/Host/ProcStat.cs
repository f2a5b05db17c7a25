namespace UPanel.Agent.Collection.Host;

/// <summary>What we use of <c>/proc/stat</c>: the all-CPU line and how many cpuN lines follow it.</summary>
internal readonly record struct ProcStat(CpuTimes AllCpus, int CpuCount);
