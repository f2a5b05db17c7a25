using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Reporting;

public sealed class NativeHeapTests
{
    [Fact]
    public void Malloc_takes_the_one_arena_setting()
    {
        // mallopt answers 0 to a parameter or value it does not know: a wrong constant or binding shows here.
        Assert.True(NativeHeap.UseOneArena());
    }
}
