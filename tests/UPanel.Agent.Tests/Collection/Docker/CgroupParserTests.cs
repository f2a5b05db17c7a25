using UPanel.Agent.Collection.Docker.Cgroups;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class CgroupParserTests
{
    private const string V1Id = "6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05";
    private const string V2Scope = "sys/fs/cgroup/system.slice/docker-3f1c0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e.scope";

    [Fact]
    public void Cpuacct_usage_is_read_as_nanoseconds()
    {
        var text = DockerFixtures.Read("v1-cgroupfs", $"sys/fs/cgroup/cpuacct/docker/{V1Id}/cpuacct.usage");
        Assert.Equal(59851365UL, CgroupCounterParser.Parse(text));
    }

    [Theory]
    [InlineData("max\n")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("12 34")]
    public void Counter_that_is_not_a_number_is_null(string text) => Assert.Null(CgroupCounterParser.Parse(text));

    [Fact]
    public void Cpu_stat_v2_gives_usage_user_and_system_microseconds()
    {
        var stat = CgroupCpuStatParser.Parse(DockerFixtures.Read("v2-systemd", V2Scope + "/cpu.stat"));
        Assert.Equal(new CgroupCpuStat(48213907, 40117003, 8096904), stat);
    }

    [Fact]
    public void Cpu_stat_without_usage_usec_is_null() =>
        Assert.Null(CgroupCpuStatParser.Parse("nr_periods 0\nthrottled_usec 0\n"));

    [Fact]
    public void Memory_stat_v1_prefers_the_hierarchical_total_inactive_file()
    {
        var stat = CgroupMemoryStatParser.Parse("cache 8192\ninactive_file 4096\nactive_file 4096\ntotal_inactive_file 12288\ntotal_active_file 4096\n");
        Assert.Equal(new CgroupMemoryStat(4096, 12288), stat);
        Assert.Equal(12288UL, stat.CacheToSubtract);
    }

    [Fact]
    public void Memory_stat_v1_captured_from_a_container_holding_64_MiB_of_tmpfs()
    {
        var stat = CgroupMemoryStatParser.Parse(DockerFixtures.Read("v1-cgroupfs", $"sys/fs/cgroup/memory/docker/{V1Id}/memory.stat"));
        Assert.Equal(new CgroupMemoryStat(0, 0), stat);
    }

    [Fact]
    public void Memory_stat_v2_has_inactive_file_only()
    {
        var stat = CgroupMemoryStatParser.Parse(DockerFixtures.Read("v2-systemd", V2Scope + "/memory.stat"));
        Assert.Equal(new CgroupMemoryStat(52428800, null), stat);
        Assert.Equal(52428800UL, stat.CacheToSubtract);
    }

    [Theory]
    [InlineData(1000UL, 300UL, 700UL)]
    [InlineData(1000UL, null, 1000UL)]
    [InlineData(1000UL, 1000UL, 1000UL)] // cache not below usage (racy reads): usage, as the docker CLI does
    [InlineData(1000UL, 5000UL, 1000UL)]
    public void Memory_is_usage_minus_cache_when_the_cache_is_smaller(ulong usage, ulong? cache, ulong expected) =>
        Assert.Equal(expected, ContainerResourceSample.MemoryWithoutCache(usage, cache));
}
