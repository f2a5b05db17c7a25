namespace UPanel.Agent.Collection.Host;

/// <summary>
/// CPU time counters of one <c>/proc/stat</c> cpu line, in USER_HZ ticks. Columns a kernel does not have
/// (steal before 2.6.11, iowait/irq/softirq before 2.6) are 0. guest and guest_nice are not kept: the kernel
/// already counts them in user and nice.
/// </summary>
internal readonly record struct CpuTimes(
    ulong User,
    ulong Nice,
    ulong System,
    ulong Idle,
    ulong IoWait,
    ulong Irq,
    ulong SoftIrq,
    ulong Steal)
{
    /// <summary>Time not idle: what <c>top</c> shows as 100 − id − wa.</summary>
    public ulong Busy => User + Nice + System + Irq + SoftIrq + Steal;

    public ulong Total => Busy + Idle + IoWait;
}
