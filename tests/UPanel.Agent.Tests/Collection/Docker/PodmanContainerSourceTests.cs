using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// The Docker collector pointed at Podman's Docker-compatible API (<c>podman system service</c>), checked against
/// Podman's own tools (podman inspect, podman stats) and the docker CLI's view of the same socket.
/// </summary>
public sealed class PodmanContainerSourceTests(PodmanContainers containers) : IClassFixture<PodmanContainers>
{
    [Fact]
    public async Task Api_version_is_negotiated_as_the_docker_cli_negotiates_it()
    {
        RequiredServices.Podman();
        var docker = new EngineCli("docker", "-H", containers.Endpoint.Host);
        var expected = await docker.RunAsync("version", "--format", "{{.Server.APIVersion}}");

        Assert.Equal(expected, containers.Source.ApiVersion);
        Assert.Equal("ok", containers.Source.Status);
        Assert.StartsWith("Podman", await docker.RunAsync("version", "--format", "{{range .Server.Components}}{{.Name}}{{end}}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_container_is_listed_with_short_id_name_image_and_state_as_podman_inspect_says()
    {
        RequiredServices.Podman();
        foreach (var role in new[] { "running", "exited", "healthy", "unhealthy", "starting", "paused", "busy", "memory", "created" })
        {
            var reported = containers.Reported(role);
            var id = containers.IdOf(role);
            Assert.Equal(id[..12], reported.Id);
            Assert.Equal(containers.NameOf(role), reported.Name);
            Assert.Equal(await containers.Podman.InspectAsync(id, "{{.ImageName}}"), reported.Image); // localhost/upanel-test/busybox:latest
            Assert.Equal(await containers.Podman.InspectAsync(id, "{{.State.Status}}"), reported.Status);
        }

        Assert.Equal("paused", containers.Reported("paused").Status);
        Assert.Equal("created", containers.Reported("created").Status);
    }

    [Fact]
    public async Task Health_follows_the_checks_run_between_collections_as_podman_inspect_says()
    {
        RequiredServices.Podman();
        foreach (var role in new[] { "healthy", "unhealthy", "starting" })
        {
            Assert.Equal("starting", containers.FirstReported(role).Health);
        }

        // Podman's list text has no health ("Up 3 seconds"), so only a fresh inspection can see the change.
        Assert.Equal("healthy", containers.Reported("healthy").Health);
        Assert.Equal("unhealthy", containers.Reported("unhealthy").Health);
        Assert.Equal("starting", containers.Reported("starting").Health);
        Assert.Equal("none", containers.Reported("running").Health);
        Assert.Equal("none", containers.Reported("exited").Health);
        Assert.Equal("unhealthy", await containers.Podman.InspectAsync(containers.IdOf("unhealthy"), "{{.State.Health.Status}}"));
    }

    [Fact]
    public void Exited_container_reports_its_exit_code_and_no_uptime_cpu_or_memory()
    {
        RequiredServices.Podman();
        var exited = containers.Reported("exited");
        Assert.Equal("exited", exited.Status);
        Assert.Equal(3, exited.ExitCode);
        Assert.Equal(0, exited.UptimeSeconds);
        Assert.Equal(0, exited.CpuPercent);
        Assert.Equal(0, exited.MemoryMb);
        Assert.False(exited.OomKilled);
        Assert.Equal(0, exited.RestartCount);

        var created = containers.Reported("created");
        Assert.Equal(0, created.UptimeSeconds);
        Assert.Null(created.ExitCode);
    }

    [Fact]
    public async Task Running_container_uptime_counts_from_State_StartedAt()
    {
        RequiredServices.Podman();
        var running = containers.Reported("running");
        var startedAt = DateTimeOffset.FromUnixTimeSeconds(
            long.Parse(await containers.Podman.InspectAsync(containers.IdOf("running"), "{{.State.StartedAt.Unix}}"), CultureInfo.InvariantCulture));
        // As of the collection (not of this test, which may run much later): StartedAt.Unix drops the fraction, and the
        // source truncates to whole seconds.
        Assert.InRange(
            running.UptimeSeconds!.Value,
            (containers.CollectedFrom - startedAt).TotalSeconds - 2,
            (containers.CollectedUntil - startedAt).TotalSeconds + 1);
        Assert.True(running.UptimeSeconds >= 1, $"uptime {running.UptimeSeconds}");
        Assert.Null(running.ExitCode);
        Assert.True(containers.Reported("paused").UptimeSeconds >= 1);
        Assert.Equal(0, containers.Reported("paused").CpuPercent);
    }

    [Fact]
    public void Cpu_and_memory_come_from_podmans_cgroup_files_and_match_podman_stats()
    {
        RequiredServices.Podman();
        var busy = containers.Reported("busy");
        var memory = containers.Reported("memory");
        var busyStats = containers.EngineStats[containers.IdOf("busy")];
        var memoryStats = containers.EngineStats[containers.IdOf("memory")];
        var (lowest, highest) = containers.BusyProcessCpuPercent;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"stats from {containers.Source.StatsSource}; busy: ours {busy.CpuPercent} %, its process (/proc) " +
            $"{lowest:F1}-{highest:F1} %, podman stats {busyStats.CpuPercent:F1} %; " +
            $"memory: ours {memory.MemoryMb} MiB, podman stats {memoryStats.MemoryMiB:F2} MiB");

        Assert.Equal("cgroup files (v1 podman cgroupfs)", containers.Source.StatsSource);
        // Same window, the kernel's accounting of the loop's process (podman stats' window only overlaps ours).
        Assert.InRange(busy.CpuPercent, lowest - 5, highest + 5); // 5: a tick (10 ms) at each end
        Assert.InRange(busy.CpuPercent, 1, 115);

        Assert.InRange(containers.Reported("running").CpuPercent, 0, 2);
        Assert.InRange(memory.MemoryMb, 64, 70);
        Assert.InRange(memory.MemoryMb, memoryStats.MemoryMiB * 0.9, memoryStats.MemoryMiB * 1.1);
        Assert.Equal([DockerContainerSource.DefaultCpuBaseline], containers.FirstCollectionWaits.Where(t => t < RealEngine.CollectTimeout));
    }

    [Fact]
    public async Task Unchanged_containers_are_not_inspected_again_except_those_whose_health_the_list_hides()
    {
        RequiredServices.Podman();
        var collected = await containers.Source.CollectAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(collected);
        var stable = new[] { "running", "exited", "paused", "busy", "memory", "created" }.Select(containers.IdOf);
        Assert.Empty(containers.Source.LastInspected.Intersect(stable));
        Assert.Contains(containers.IdOf("healthy"), containers.Source.LastInspected);
    }

    [Fact]
    public async Task Without_visible_cgroup_files_podmans_stats_api_gives_the_same_figures()
    {
        RequiredServices.Podman();
        var emptySys = Directory.CreateTempSubdirectory("upanel-no-cgroups");
        try
        {
            using var source = new DockerContainerSource(
                containers.Endpoint, new HostFiles("/proc", emptySys.FullName, "/"), NullLogger.Instance,
                TimeProvider.System, RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);
            // The source times each API sample by Podman's read of the cgroup, somewhere inside its collection (an
            // answer can trail its read by most of a second): the loop's figure is bounded by the trace.
            var trace = new BusyTrace(containers.BusyPid);
            var firstFrom = trace.Mark();
            Assert.NotNull(await source.CollectAsync(TestContext.Current.CancellationToken));
            var firstUntil = trace.Mark();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

            var secondFrom = trace.Mark();
            var second = await source.CollectAsync(TestContext.Current.CancellationToken);
            var secondUntil = trace.Mark();
            var (lowest, highest) = await trace.StopAsync(firstFrom, firstUntil, secondFrom, secondUntil);

            Assert.NotNull(second);
            Assert.StartsWith("engine stats API", source.StatsSource, StringComparison.Ordinal);
            var memory = second.Single(c => c.Name == containers.NameOf("memory"));
            Assert.InRange(memory.MemoryMb, containers.EngineStats[containers.IdOf("memory")].MemoryMiB * 0.9,
                containers.EngineStats[containers.IdOf("memory")].MemoryMiB * 1.1);
            var busy = second.Single(c => c.Name == containers.NameOf("busy"));
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"via the API: busy {busy.CpuPercent} % (its process {lowest:F1}-{highest:F1} %), memory {memory.MemoryMb} MiB");
            Assert.InRange(busy.CpuPercent, 1, 115);
            Assert.InRange(busy.CpuPercent, lowest - 5, highest + 5); // 5: a tick (10 ms) at each end
        }
        finally
        {
            emptySys.Delete(recursive: true);
        }
    }
}
