using Microsoft.Extensions.Time.Testing;
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
            var reader = new CgroupStatsReader(files, TimeProvider.System);
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

    [Fact]
    public async Task Page_cache_written_between_two_readings_is_subtracted_at_once_though_the_cache_is_not_due()
    {
        RequiredServices.Docker();
        var name = $"upt-{Guid.NewGuid().ToString("N")[..6]}-cache";
        var id = await DockerCli.StartAsync(name, [], "sleep", "3600");
        try
        {
            using var files = new HostFiles("/proc", "/sys", "/");
            var time = new FakeTimeProvider(); // never advanced: the 30 s reuse never runs out
            var reader = new CgroupStatsReader(files, time);
            var before = reader.TryRead(id) ?? throw new InvalidOperationException("no cgroup files read");

            // 48 MiB written to the container's own filesystem: page cache charged to it, on the inactive list.
            await DockerCli.RunAsync("exec", id, "dd", "if=/dev/zero", "of=/fill", "bs=1M", "count=48");
            var after = reader.TryRead(id)!.Value.MemoryBytes;
            var fresh = new CgroupStatsReader(files, TimeProvider.System).TryRead(id)!.Value.MemoryBytes;

            // As a reader that reads memory.stat every time shows it (docker stats' figure), not 48 MiB more.
            Assert.InRange(after / MiB, fresh / MiB - 2, fresh / MiB + 2);
            Assert.InRange(after / MiB, before.MemoryBytes / MiB - 8, before.MemoryBytes / MiB + 8);
        }
        finally
        {
            await DockerCli.RemoveAsync([id]);
        }
    }

    /// <summary>Until the container's shell has filled its tmpfs (its memory reaches 32 MiB).</summary>
    private static async Task<ContainerResourceSample> WaitForMemoryAsync(CgroupStatsReader reader, string id) =>
        (await Poll.UntilAsync(
            () => Task.FromResult(reader.TryRead(id)), sample => sample?.MemoryBytes >= 32 * MiB, $"container {id[..12]}'s memory to reach 32 MiB",
            TimeSpan.FromSeconds(60), sample => sample is null ? "no cgroup files read" : $"memory {sample.Value.MemoryBytes} B"))!.Value;
}
