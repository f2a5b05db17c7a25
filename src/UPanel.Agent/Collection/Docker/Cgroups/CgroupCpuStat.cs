namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>cgroup v2 <c>cpu.stat</c>: CPU time of the cgroup in microseconds.</summary>
internal sealed record CgroupCpuStat(ulong UsageUsec, ulong UserUsec, ulong SystemUsec);
