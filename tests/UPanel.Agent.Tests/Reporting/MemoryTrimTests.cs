using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Reporting;

[Collection(nameof(SerialTests))]
public sealed class MemoryTrimTests
{
    [Fact]
    public void Trims_only_after_the_threshold_was_allocated_and_then_waits_for_the_next_threshold()
    {
        var trim = new MemoryTrim(allocatedBytesBetweenTrims: 4 << 20);
        Assert.False(trim.AfterWork());

        var collectionsBefore = GC.CollectionCount(GC.MaxGeneration);
        Allocate(5 << 20);
        Assert.True(trim.AfterWork());
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > collectionsBefore);

        Assert.False(trim.AfterWork());
    }

    private static void Allocate(int bytes)
    {
        for (var total = 0; total < bytes; total += 64 << 10)
        {
            GC.KeepAlive(new byte[64 << 10]);
        }
    }
}
