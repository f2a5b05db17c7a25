namespace UPanel.Agent.Collection.Docker;

/// <summary>A container's cumulative CPU time at a monotonic timestamp: the previous sample a CPU delta is taken from.</summary>
internal readonly record struct CpuMark(ulong CpuNanoseconds, long Timestamp);
