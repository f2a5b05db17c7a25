namespace UPanel.Agent.Reporting;

/// <summary>
/// Gives the GC heap back to the OS between heartbeats, to keep steady RSS inside the 10 MiB budget
/// (docs/decisions/gc-settings.md).
/// </summary>
/// <remarks>
/// The agent keeps a few hundred KiB alive, but the GC's gen0 budget (sized from the CPU cache, ≈ 16 MiB here) lets
/// memory that was allocated once and freed stay committed: measured 9.9 MiB RSS at start, 13.2 MiB after 15 min.
/// Once enough has been allocated the agent, which sleeps for most of each interval anyway, runs one compacting
/// collection that decommits what is free (measured in a loop: anonymous memory 18 MiB → 2–2.7 MiB). The project file
/// also caps the gen0 budget itself (GCgen0size embedded with --runtimeopt, as DOTNET_GCgen0size would), which keeps
/// the heap small between trims too; the trim still saves its part: bench/footprint.sh, 240 s, http, the cap alone
/// 11,872 kB (RssAnon 3,488) vs cap and trim 11,252 kB (RssAnon 2,672).
/// </remarks>
internal sealed class MemoryTrim(long allocatedBytesBetweenTrims = 1 << 20)
{
    private long _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();

    /// <summary>Trims when at least the threshold was allocated since the last trim; returns whether it did.</summary>
    public bool AfterWork()
    {
        if (GC.GetTotalAllocatedBytes() - _allocatedAtLastTrim < allocatedBytesBetweenTrims)
        {
            return false;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
        return true;
    }
}
