namespace UPanel.Agent.Collection.Host;

/// <summary>
/// What we use of <c>/proc/meminfo</c>, in KiB. <see cref="AvailableKb"/> is the kernel's MemAvailable, or on
/// kernels before 3.14 (no MemAvailable) the estimate MemFree + Buffers + Cached + SReclaimable, which is what
/// <c>free</c> of that era showed as free "-/+ buffers/cache"; <see cref="AvailableIsEstimate"/> says which.
/// </summary>
internal readonly record struct MemInfo(ulong TotalKb, ulong AvailableKb, bool AvailableIsEstimate)
{
    /// <summary>MemTotal − available, never below 0 (a kernel may report MemAvailable above MemTotal briefly).</summary>
    public ulong UsedKb => AvailableKb >= TotalKb ? 0 : TotalKb - AvailableKb;
}
