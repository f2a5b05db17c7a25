using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker.Cgroups;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// A container's cgroup files stay open between collections (HostFiles); a restart makes the cgroup a new directory of the
/// same name, so the kept files must be opened again, and a removed container's must be let go.
/// </summary>
public sealed class KeptCgroupFilesTests
{
    private const double MiB = 1024 * 1024;

    [Fact]
    public async Task Restarted_container_is_read_from_its_new_cgroup_and_a_removed_one_is_let_go()
    {
        RequiredServices.Docker();
        var name = $"upt-{Guid.NewGuid().ToString("N")[..6]}-kept";
        // tmpfs pages are charged as shmem: 32 MiB held while it sleeps, written again after each restart.
        var id = await DockerCli.StartAsync(name, ["--tmpfs", "/data:size=64m"],
            "sh", "-c", "dd if=/dev/zero of=/data/fill bs=1M count=32 2>/dev/null; exec sleep 3600");
        var removed = false;
        try
        {
            using var files = new HostFiles("/proc", "/sys", "/");
            var reader = new CgroupStatsReader(files);
            await WaitForMemoryAsync(reader, id);
            var layout = reader.Layout!;
            Assert.True(files.IsKept(HostRootKind.Sys, layout.MemoryStatFile(id)));

            var pidBefore = await DockerCli.InspectAsync(id, "{{.State.Pid}}");
            await DockerCli.RunAsync("restart", "-t", "0", id);
            Assert.NotEqual(pidBefore, await DockerCli.InspectAsync(id, "{{.State.Pid}}"));

            // Read from the files (not null: the reader did not fall back to the API), through the new cgroup.
            var sample = await WaitForMemoryAsync(reader, id);
            Assert.InRange(sample.MemoryBytes / MiB, 32, 48);
            Assert.True(files.IsKept(HostRootKind.Sys, layout.MemoryStatFile(id)));

            await DockerCli.RemoveAsync([id]);
            removed = true;
            Assert.Null(reader.TryRead(id));
            Assert.False(files.IsKept(HostRootKind.Sys, layout.CpuFile(id)));

            reader.Forget(id);
            Assert.False(files.IsKept(HostRootKind.Sys, layout.MemoryUsageFile(id)));
            Assert.False(files.IsKept(HostRootKind.Sys, layout.MemoryStatFile(id)));
        }
        finally
        {
            if (!removed)
            {
                await DockerCli.RemoveAsync([id]);
            }
        }
    }

    /// <summary>Until the container's shell has filled its tmpfs (its memory reaches 32 MiB).</summary>
    private static async Task<ContainerResourceSample> WaitForMemoryAsync(CgroupStatsReader reader, string id) =>
        (await Poll.UntilAsync(
            () => Task.FromResult(reader.TryRead(id)), sample => sample?.MemoryBytes >= 32 * MiB, $"container {id[..12]}'s memory to reach 32 MiB",
            TimeSpan.FromSeconds(60), sample => sample is null ? "no cgroup files read" : $"memory {sample.Value.MemoryBytes} B"))!.Value;
}
