namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// A container's cumulative CPU time at a monotonic timestamp: the previous sample a CPU delta is taken from. The
/// start time it belongs to tells a restart (new process, counter from 0) from a mere gap between heartbeats.
/// </summary>
internal readonly record struct CpuMark(ulong CpuNanoseconds, long Timestamp, DateTimeOffset? StartedAt);
