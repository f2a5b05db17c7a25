using UPanel.Agent.Collection.Docker.Cgroups;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>The v2 <c>cpu.stat</c> parser on the kernel's own file (Fixtures/v2-hybrid-captured, see its README).</summary>
public sealed class CgroupCaptureTests
{
    private const string Id = "f94df73d118f85b894ce3c5fcaead811806df158a66e848590e9042d5682dd3b";

    [Fact]
    public void A_captured_v2_cpu_stat_gives_the_same_usage_as_the_v1_counter_of_the_same_container()
    {
        var stat = CgroupCpuStatParser.Parse(DockerFixtures.Read("v2-hybrid-captured", $"sys/fs/cgroup/unified/docker/{Id}/cpu.stat"));
        var v1Nanoseconds = CgroupCounterParser.Parse(DockerFixtures.Read("v2-hybrid-captured", $"sys/fs/cgroup/cpuacct/docker/{Id}/cpuacct.usage"));

        Assert.NotNull(stat);
        Assert.Equal(3_160_242UL, stat.UsageUsec);
        Assert.Equal(3_160_242_500UL, v1Nanoseconds);
        Assert.InRange((long)v1Nanoseconds!.Value - (long)stat.UsageUsec * 1000, 0, 999);
        Assert.InRange((long)stat.UsageUsec - (long)(stat.UserUsec + stat.SystemUsec), 0, 1);
    }
}
