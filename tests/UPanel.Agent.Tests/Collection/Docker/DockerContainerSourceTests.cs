using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>The collected containers against the engine's own tools (docker inspect, docker stats) on the same containers.</summary>
public sealed class DockerContainerSourceTests(TestContainers containers) : IClassFixture<TestContainers>
{
    [Fact]
    public async Task Every_container_is_listed_with_short_id_name_image_and_state_as_docker_inspect_says()
    {
        RequiredServices.Docker();
        foreach (var role in new[] { "running", "exited", "healthy", "unhealthy", "starting", "paused", "busy", "memory", "created" })
        {
            var reported = containers.Reported(role);
            var id = containers.IdOf(role);
            Assert.Equal(id[..12], reported.Id);
            Assert.Equal(containers.NameOf(role), reported.Name);
            Assert.Equal("upanel-test/busybox", reported.Image);
            Assert.Equal(await DockerCli.InspectAsync(id, "{{.State.Status}}"), reported.Status);
        }
    }

    [Fact]
    public async Task Health_is_healthy_unhealthy_starting_or_none_as_docker_inspect_says()
    {
        RequiredServices.Docker();
        Assert.Equal("healthy", containers.Reported("healthy").Health);
        Assert.Equal("unhealthy", containers.Reported("unhealthy").Health);
        Assert.Equal("starting", containers.Reported("starting").Health);
        Assert.Equal("none", containers.Reported("running").Health);
        Assert.Equal("none", containers.Reported("exited").Health);
        Assert.Equal("starting", await DockerCli.InspectAsync(containers.IdOf("starting"), "{{.State.Health.Status}}"));
    }

    [Fact]
    public async Task Exited_container_reports_its_exit_code_and_finish_time_and_no_uptime_cpu_or_memory()
    {
        RequiredServices.Docker();
        var exited = containers.Reported("exited");
        Assert.Equal("exited", exited.Status);
        Assert.Equal(3, exited.ExitCode);
        var finishedAt = DateTimeOffset.Parse(await DockerCli.InspectAsync(containers.IdOf("exited"), "{{.State.FinishedAt}}"), CultureInfo.InvariantCulture);
        Assert.Equal(finishedAt, exited.FinishedAt);
        Assert.Equal(0, exited.UptimeSeconds);
        Assert.Equal(0, exited.CpuPercent);
        Assert.Equal(0, exited.MemoryMb);
        Assert.False(exited.OomKilled);
        Assert.Equal(0, exited.RestartCount);
    }

    [Fact]
    public void Created_container_is_listed_with_no_uptime_and_no_exit_code()
    {
        RequiredServices.Docker();
        var created = containers.Reported("created");
        Assert.Equal("created", created.Status);
        Assert.Equal("none", created.Health);
        Assert.Equal(0, created.UptimeSeconds);
        Assert.Null(created.ExitCode);
        Assert.Null(created.FinishedAt);
    }

    [Fact]
    public async Task Running_container_uptime_counts_from_State_StartedAt()
    {
        RequiredServices.Docker();
        var running = containers.Reported("running");
        var startedAt = DateTimeOffset.Parse(
            await DockerCli.InspectAsync(containers.IdOf("running"), "{{.State.StartedAt}}"), CultureInfo.InvariantCulture);
        // As of the collection (not of this test, which may run much later); the source truncates to whole seconds.
        Assert.InRange(
            running.UptimeSeconds!.Value,
            (containers.CollectedFrom - startedAt).TotalSeconds - 1,
            (containers.CollectedUntil - startedAt).TotalSeconds + 1);
        Assert.Equal("running", running.Status);
        Assert.Null(running.ExitCode);
        Assert.Null(running.FinishedAt);
        Assert.Equal(0, running.RestartCount);
    }

    [Fact]
    public void Paused_container_is_reported_paused_with_its_memory_and_no_cpu()
    {
        RequiredServices.Docker();
        var paused = containers.Reported("paused");
        Assert.Equal("paused", paused.Status);
        Assert.Equal(0, paused.CpuPercent);
        Assert.True(paused.UptimeSeconds > 0);
    }

    [Fact]
    public async Task Restarting_container_reports_its_restart_count_and_last_exit_code()
    {
        RequiredServices.Docker();
        var reported = containers.Reported("restarting");
        var restarts = int.Parse(await DockerCli.InspectAsync(containers.IdOf("restarting"), "{{.RestartCount}}"), CultureInfo.InvariantCulture);
        Assert.Contains(reported.Status, new[] { "restarting", "running", "exited" });
        Assert.InRange(reported.RestartCount ?? -1, 4, restarts);
        if (reported.Status == "restarting")
        {
            Assert.Equal(1, reported.ExitCode);
        }
    }

    [Fact]
    public void Busy_container_reports_one_core_on_the_docker_stats_scale()
    {
        RequiredServices.Docker();
        var stats = containers.EngineStats[containers.IdOf("busy")];
        var reported = containers.Reported("busy");
        var (lowest, highest) = containers.BusyProcessCpuPercent;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"busy: ours {reported.CpuPercent} %, its process (/proc) {lowest:F1}-{highest:F1} %, " +
            $"docker stats {stats.CpuPercent} %");

        // Same window, independent accounting (the kernel's for the loop's process): holds however busy the host is,
        // and pins the scale (100 = one core). docker stats and the host's idle time are only printed: their windows
        // merely overlap ours, and on a saturated host (CI's 2 cores) what the loop gets changes from one second to
        // the next (a guard on host idle time still let 84.5 % through where 85 was asserted).
        Assert.InRange(reported.CpuPercent, lowest - 5, highest + 5); // 5: a tick (10 ms) at each end
        Assert.InRange(reported.CpuPercent, 1, 115);

        Assert.InRange(containers.Reported("running").CpuPercent, 0, 2);
    }

    [Fact]
    public void Memory_is_usage_without_inactive_file_cache_as_docker_stats_shows()
    {
        RequiredServices.Docker();
        var stats = containers.EngineStats[containers.IdOf("memory")];
        var reported = containers.Reported("memory");
        TestContext.Current.TestOutputHelper?.WriteLine($"memory: ours {reported.MemoryMb} MiB, docker stats {stats.MemoryMiB:F2} MiB");
        Assert.InRange(reported.MemoryMb, 64, 70);
        Assert.InRange(reported.MemoryMb, stats.MemoryMiB * 0.9, stats.MemoryMiB * 1.1);
    }

    [Fact]
    public void First_collection_with_new_containers_takes_one_short_cpu_baseline_not_a_second_per_container()
    {
        RequiredServices.Docker();
        // Ten new containers, one baseline wait between the two cgroup reads, none of a second (the stats API's).
        Assert.Equal([DockerContainerSource.DefaultCpuBaseline], containers.FirstCollectionWaits.Where(t => t < RealEngine.CollectTimeout));
        Assert.StartsWith("cgroup files (", containers.Source.StatsSource, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_visible_cgroup_files_the_engine_stats_api_gives_the_same_figures()
    {
        RequiredServices.Docker();
        var emptySys = Directory.CreateTempSubdirectory("upanel-no-cgroups");
        try
        {
            using var source = new DockerContainerSource(
                DockerEndpoint.Default, new HostFiles("/proc", emptySys.FullName, "/"), NullLogger.Instance,
                TimeProvider.System, RealEngine.CollectTimeout, DockerContainerSource.DefaultCpuBaseline);
            // The source times each API sample by the engine's read of the cgroup, somewhere inside its collection (an
            // engine's answer can trail its read by most of a second): the loop's figure is bounded by the trace.
            var trace = new BusyTrace(containers.BusyPid);
            var firstFrom = trace.Mark();
            var first = await source.CollectAsync(TestContext.Current.CancellationToken);
            var firstUntil = trace.Mark();
            Assert.NotNull(first);
            Assert.Equal(0, first.Single(c => c.Name == containers.NameOf("busy")).CpuPercent); // first sight via the API
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

            var secondFrom = trace.Mark();
            var second = await source.CollectAsync(TestContext.Current.CancellationToken);
            var secondUntil = trace.Mark();
            var (lowest, highest) = await trace.StopAsync(firstFrom, firstUntil, secondFrom, secondUntil);

            Assert.NotNull(second);
            Assert.StartsWith("engine stats API", source.StatsSource, StringComparison.Ordinal);
            var memory = second.Single(c => c.Name == containers.NameOf("memory"));
            var stats = containers.EngineStats[containers.IdOf("memory")];
            Assert.InRange(memory.MemoryMb, stats.MemoryMiB * 0.9, stats.MemoryMiB * 1.1);
            var busy = second.Single(c => c.Name == containers.NameOf("busy"));
            TestContext.Current.TestOutputHelper?.WriteLine($"busy: ours {busy.CpuPercent} %, its process (/proc) {lowest:F1}-{highest:F1} %");
            Assert.InRange(busy.CpuPercent, 1, 115); // it runs (on a saturated host it gets little), at most one core
            Assert.InRange(busy.CpuPercent, lowest - 5, highest + 5); // 5: a tick (10 ms) at each end
        }
        finally
        {
            emptySys.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Unchanged_containers_are_not_inspected_again()
    {
        RequiredServices.Docker();
        var collected = await containers.Source.CollectAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(collected);
        var stable = new[] { "running", "exited", "healthy", "unhealthy", "starting", "paused", "busy", "memory" }
            .Select(containers.IdOf);
        Assert.Empty(containers.Source.LastInspected.Intersect(stable));
    }
}
