using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker.Cgroups;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class CgroupStatsReaderTests
{
    private const double MiB = 1024 * 1024;

    [Fact]
    public void V1_cgroupfs_layout_is_detected_and_read_from_the_captured_tree()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-cgroupfs"));

        var sample = reader.TryRead("6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05");

        Assert.Equal("v1 cgroupfs", reader.Layout?.Name);
        Assert.Equal(new ContainerResourceSample(59851365, 67780608), sample);
        Assert.Equal(64, (long)(sample!.Value.MemoryBytes / MiB)); // docker stats showed 64.64 MiB
    }

    [Fact]
    public void V1_podman_cgroupfs_layout_is_detected_and_read_from_the_captured_tree()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-podman-cgroupfs"));

        var sample = reader.TryRead("449f9bdfea34f3ca98f08280ac1094f288d03bfd76ef2ffd283d038336a96186");

        Assert.Equal("v1 podman cgroupfs", reader.Layout?.Name);
        Assert.Equal(new ContainerResourceSample(62253355, 67858432), sample); // podman stats: 62253355 ns, 67858432 B
    }

    [Fact]
    public void V2_systemd_layout_is_detected_and_cpu_converted_to_nanoseconds()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v2-systemd"));

        var sample = reader.TryRead("3f1c0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e");

        Assert.Equal("v2 systemd", reader.Layout?.Name);
        Assert.Equal(new ContainerResourceSample(48213907000, 90 * 1024 * 1024), sample);
    }

    [Fact]
    public void Container_whose_files_are_not_visible_gives_null_so_the_api_is_asked()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-cgroupfs"));
        reader.StartRound();

        Assert.Null(reader.TryRead("0000000000000000000000000000000000000000000000000000000000000000"));
        Assert.Null(reader.Layout);
    }

    [Fact]
    public void Once_detected_a_missing_container_directory_is_null_not_an_exception()
    {
        var reader = new CgroupStatsReader(DockerFixtures.HostFilesFor("v1-cgroupfs"));
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
            var reader = new CgroupStatsReader(files);
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
}
