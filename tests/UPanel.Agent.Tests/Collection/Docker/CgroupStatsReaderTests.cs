using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker.Cgroups;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class CgroupStatsReaderTests
{
    private const double MiB = 1024 * 1024;

    [Fact]
    public void V1_cgroupfs_layout_is_detected_and_read_from_the_captured_tree()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-cgroupfs"), TimeProvider.System);

        var sample = reader.TryRead("6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05");

        Assert.Equal("v1 cgroupfs", reader.Layout?.Name);
        Assert.Equal(new ContainerResourceSample(59851365, 67780608), sample);
        Assert.Equal(64, (long)(sample!.Value.MemoryBytes / MiB)); // docker stats showed 64.64 MiB
    }

    [Fact]
    public void V1_podman_cgroupfs_layout_is_detected_and_read_from_the_captured_tree()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-podman-cgroupfs"), TimeProvider.System);

        var sample = reader.TryRead("449f9bdfea34f3ca98f08280ac1094f288d03bfd76ef2ffd283d038336a96186");

        Assert.Equal("v1 podman cgroupfs", reader.Layout?.Name);
        Assert.Equal(new ContainerResourceSample(62253355, 67858432), sample); // podman stats: 62253355 ns, 67858432 B
    }

    [Fact]
    public void V2_systemd_layout_is_detected_and_cpu_converted_to_nanoseconds()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v2-systemd"), TimeProvider.System);

        var sample = reader.TryRead("3f1c0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e");

        Assert.Equal("v2 systemd", reader.Layout?.Name);
        Assert.Equal(new ContainerResourceSample(48213907000, 90 * 1024 * 1024), sample);
    }

    [Fact]
    public void Container_whose_files_are_not_visible_gives_null_so_the_api_is_asked()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-cgroupfs"), TimeProvider.System);
        reader.StartRound();

        Assert.Null(reader.TryRead("0000000000000000000000000000000000000000000000000000000000000000"));
        Assert.Null(reader.Layout);
    }

    [Fact]
    public void Once_detected_a_missing_container_directory_is_null_not_an_exception()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-cgroupfs"), TimeProvider.System);
        Assert.NotNull(reader.TryRead("6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05"));

        Assert.Null(reader.TryRead("1111111111111111111111111111111111111111111111111111111111111111"));
        Assert.Equal("v1 cgroupfs", reader.Layout?.Name);
        Assert.False(reader.HoldsPathsOf("1111111111111111111111111111111111111111111111111111111111111111"));
    }

    [Fact]
    public void Paths_made_once_still_read_the_files_current_values_and_are_let_go_with_the_container()
    {
        const string Id = "6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05";
        var root = DockerFixtures.CopyOfSys("v1-cgroupfs");
        try
        {
            using var files = new HostFiles("/proc", root, "/");
            var reader = new CgroupStatsReader(files, TimeProvider.System);
            Assert.Equal(new ContainerResourceSample(59851365, 67780608), reader.TryRead(Id));
            Assert.True(reader.HoldsPathsOf(Id));

            // The second read goes through the paths made by the first: the file's new value, not a remembered one.
            File.WriteAllText(Path.Join(root, reader.Layout!.CpuFile(Id)), "70000000\n");
            Assert.Equal(70000000UL, reader.TryRead(Id)?.CpuNanoseconds);

            reader.Forget(Id);
            Assert.False(reader.HoldsPathsOf(Id));
            Assert.Equal(new ContainerResourceSample(70000000, 67780608), reader.TryRead(Id));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Inactive_file_cache_is_read_again_when_30_s_old_or_when_the_usage_moved_past_the_drift()
    {
        const string Id = "6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05";
        const ulong M = 1024 * 1024;
        var root = DockerFixtures.CopyOfSys("v1-cgroupfs");
        try
        {
            using var files = new HostFiles("/proc", root, "/");
            var time = new FakeTimeProvider();
            var reader = new CgroupStatsReader(files, time);
            var directory = Path.Join(root, "fs/cgroup/memory/docker", Id);
            void Memory(ulong usage, ulong inactive)
            {
                File.WriteAllText(Path.Join(directory, "memory.usage_in_bytes"), $"{usage}\n");
                File.WriteAllText(Path.Join(directory, "memory.stat"), $"inactive_file {inactive}\ntotal_inactive_file {inactive}\n");
            }

            ulong? MemoryMiB() => reader.TryRead(Id)?.MemoryBytes / M;

            Memory(200 * M, 50 * M);
            Assert.Equal(150UL, MemoryMiB());

            // The cache moved, the usage did not: the reading of 50 MiB stands until it is 30 s old.
            Memory(200 * M, 80 * M);
            time.Advance(TimeSpan.FromSeconds(29));
            Assert.Equal(150UL, MemoryMiB());

            // The usage moved within the drift (1/32 of 200 MiB: 6.25 MiB): still the cache read then.
            Memory(206 * M, 80 * M);
            Assert.Equal(156UL, MemoryMiB());

            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(126UL, MemoryMiB());

            // Page cache written (usage and cache up by 40 MiB) or dropped (down by 20): read at once, not 30 s later.
            Memory(246 * M, 120 * M);
            Assert.Equal(126UL, MemoryMiB());
            Memory(226 * M, 100 * M);
            Assert.Equal(126UL, MemoryMiB());

            // A container let go starts again from a fresh reading.
            Memory(226 * M, 10 * M);
            reader.Forget(Id);
            Assert.Equal(216UL, MemoryMiB());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(0UL, 4UL << 20)]
    [InlineData(128UL << 20, 4UL << 20)]
    [InlineData(1UL << 30, 32UL << 20)]
    public void Drift_is_4_MiB_or_a_32nd_of_the_usage(ulong usage, ulong drift) =>
        Assert.Equal(drift, CgroupStatsReader.CacheDrift(usage));
}
