using System.Text.Json;
using Microsoft.Extensions.Logging;
using UPanel.Agent.Collection.Docker.Api;
using UPanel.Agent.Collection.Docker.Cgroups;

namespace UPanel.Agent.Collection.Docker;

/// <summary>
/// CPU and memory of live containers as <c>docker stats</c> shows them: from cgroup files under HOST_SYS (no engine
/// CPU), falling back to one-shot stats through the API (<see cref="StatsApiConcurrency"/> at once) only for containers
/// whose files are not visible.
/// <para>
/// <c>cpu_percent</c> = Δ container CPU ns / Δ wall ns × 100 between this sample and the container's previous one (100 =
/// one core; a sample through the API is timed when the engine read it, not when its answer came). A container seen
/// for the first time (agent start, new or restarted container) is sampled twice, <c>cpuBaseline</c> apart, inside the
/// same collection: one short wait for all new containers, so a first heartbeat and <c>collect</c> show real figures
/// instead of 0 (containers on the API fallback show 0 on first sight instead: a second one-shot call would cost
/// another engine tick and its CPU). <c>memory_mb</c> = usage − inactive file cache
/// (v1: memory.usage_in_bytes − total_inactive_file; v2: memory.current − inactive_file; the cache read again when
/// 30 s old or the usage moved, <see cref="CgroupStatsReader"/>). A paused container keeps its
/// memory; its CPU delta is 0.
/// </para>
/// </summary>
internal sealed class ContainerUsage(IHostFiles hostFiles, ILogger logger, TimeProvider timeProvider, TimeSpan cpuBaseline)
{
    /// <summary>
    /// Concurrent one-shot stats calls (fallback only). Measured here: the engine answers a one-shot call on the next
    /// tick of its once-a-second stats collector, so sequential calls take ≈ 1 s each and 4 at a time would need
    /// N/4 s; calls made together are all answered on the same tick. Engine CPU (≈ 4.6 ms a call) is the same either way.
    /// </summary>
    public const int StatsApiConcurrency = 64;

    /// <summary>The oldest engine read time <see cref="SampledAt"/> believes (the engine samples once a second).</summary>
    private static readonly TimeSpan MaxSampleAge = TimeSpan.FromSeconds(10);

    private readonly CgroupStatsReader _cgroups = new(hostFiles, timeProvider);
    private readonly Dictionary<string, CpuMark> _cpuMarks = new(StringComparer.Ordinal);

    // Reused by every collection (one at a time): the samples of the containers measured now.
    private readonly Dictionary<string, (ContainerResourceSample Sample, long Timestamp, bool ViaApi)> _samples = new(StringComparer.Ordinal);
    private bool _cgroupNoticeLogged;
    private bool _usedApiStats;

    /// <summary>
    /// Where CPU and memory come from, read after "from": e.g. "cgroup files (v1 cgroupfs)" or "engine stats API"; before
    /// any container ran, both, since the first running container decides.
    /// </summary>
    public string Source => _cgroups.Layout is { } layout
        ? $"cgroup files ({layout.Name})"
        : _usedApiStats ? "engine stats API (cgroup files not visible under HOST_SYS)"
        : "cgroup files or the engine stats API (the first running container decides)";

    /// <summary>
    /// CPU percent and memory bytes of each live container that could be measured, and how many came from the stats
    /// API. <paramref name="startedAt"/> gives a container's start as last inspected: a different start than the
    /// previous sample's means a restart, whose counter began again from 0.
    /// </summary>
    public async Task<(Dictionary<string, (double CpuPercent, ulong MemoryBytes)> Usage, int ViaApi)> MeasureAsync(
        DockerApiClient client, List<string> live, Func<string, DateTimeOffset?> startedAt, CancellationToken cancellationToken)
    {
        // Written without LINQ and with reused collections: this runs for every running container every heartbeat.
        _cgroups.StartRound();
        var samples = _samples;
        samples.Clear();
        await SampleAsync(client, live, samples, cancellationToken).ConfigureAwait(false);
        List<string>? fresh = null;
        foreach (var (id, sampled) in samples)
        {
            if (!sampled.ViaApi && !TryGetMark(id, sampled.Sample, startedAt, out _))
            {
                (fresh ??= []).Add(id);
            }
        }

        if (fresh is not null && cpuBaseline > TimeSpan.Zero)
        {
            foreach (var id in fresh)
            {
                _cpuMarks[id] = new CpuMark(samples[id].Sample.CpuNanoseconds, samples[id].Timestamp, startedAt(id));
            }

            await Task.Delay(cpuBaseline, timeProvider, cancellationToken).ConfigureAwait(false);
            var resamples = new Dictionary<string, (ContainerResourceSample, long, bool)>(fresh.Count, StringComparer.Ordinal);
            await SampleAsync(client, fresh, resamples, cancellationToken).ConfigureAwait(false);
            foreach (var (id, resampled) in resamples)
            {
                samples[id] = resampled;
            }
        }

        var usage = new Dictionary<string, (double, ulong)>(samples.Count, StringComparer.Ordinal);
        var viaApi = 0;
        foreach (var (id, current) in samples)
        {
            double cpuPercent = 0;
            if (TryGetMark(id, current.Sample, startedAt, out var mark))
            {
                var wallNs = timeProvider.GetElapsedTime(mark.Timestamp, current.Timestamp).Ticks * 100.0;
                cpuPercent = wallNs > 0 ? Math.Round((current.Sample.CpuNanoseconds - mark.CpuNanoseconds) / wallNs * 100, 2) : 0;
            }

            _cpuMarks[id] = new CpuMark(current.Sample.CpuNanoseconds, current.Timestamp, startedAt(id));
            usage[id] = (cpuPercent, current.Sample.MemoryBytes);
            viaApi += current.ViaApi ? 1 : 0;
        }

        // A container not measured now (stopped, gone, or its stats failed) starts from its own baseline next time.
        // Every measured one has a mark now, so there is nothing to forget unless there are more marks than samples.
        if (_cpuMarks.Count > samples.Count)
        {
            foreach (var id in _cpuMarks.Keys)
            {
                if (!samples.ContainsKey(id))
                {
                    _cpuMarks.Remove(id); // allowed while enumerating
                    _cgroups.Forget(id);
                }
            }
        }

        if (viaApi > 0)
        {
            _usedApiStats = true;
            if (!_cgroupNoticeLogged && _cgroups.Layout is null)
            {
                _cgroupNoticeLogged = true;
                Log.CgroupFilesNotVisible(logger, hostFiles.PathOf(HostRootKind.Sys, "fs/cgroup"));
            }
        }

        return (usage, viaApi);
    }

    private Task SampleAsync(
        DockerApiClient client, List<string> ids, Dictionary<string, (ContainerResourceSample, long, bool)> samples, CancellationToken cancellationToken)
    {
        List<string>? viaApi = null;
        foreach (var id in ids)
        {
            if (_cgroups.TryRead(id) is { } sample)
            {
                samples[id] = (sample, timeProvider.GetTimestamp(), false);
            }
            else
            {
                (viaApi ??= []).Add(id);
            }
        }

        return viaApi is null ? Task.CompletedTask : SampleViaApiAsync(client, viaApi, samples, cancellationToken);
    }

    private async Task SampleViaApiAsync(
        DockerApiClient client, List<string> viaApi, Dictionary<string, (ContainerResourceSample, long, bool)> samples, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = StatsApiConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(viaApi, options, async (id, token) =>
        {
            try
            {
                var stats = await client.GetOneShotStatsAsync(id, token).ConfigureAwait(false);
                var timestamp = SampledAt(stats.ReadAt);
                if (stats.CpuStats?.CpuUsage is { } cpu && stats.MemoryStats is { } memory)
                {
                    var cache = memory.Stats is null ? null
                        : memory.Stats.TryGetValue("total_inactive_file", out var total) ? total
                        : memory.Stats.TryGetValue("inactive_file", out var inactive) ? inactive : (ulong?)null;
                    var sample = new ContainerResourceSample(cpu.TotalUsage, ContainerResourceSample.MemoryWithoutCache(memory.Usage, cache));
                    lock (samples)
                    {
                        samples[id] = (sample, timestamp, true);
                    }
                }
            }
            catch (Exception ex) when (ex is DockerApiException or JsonException)
            {
                // Stopped or removed meanwhile (the engine then sends an empty body): no figures for this one only.
                Log.ContainerStatsFailed(logger, DockerContainerSource.ShortId(id), ex.Message);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// When an API sample was taken, on <see cref="TimeProvider.GetTimestamp"/>'s clock: now, less how long ago the engine
    /// says it read the cgroup. On a busy host the answer can trail the read by a large part of a second, and by
    /// different amounts each time; timing the delta by arrival would put that jitter into the CPU figure. Arrival when
    /// the engine gives no time or one that cannot be right (ahead of now, or older than <see cref="MaxSampleAge"/>).
    /// </summary>
    private long SampledAt(DateTimeOffset? read)
    {
        var now = timeProvider.GetTimestamp();
        var age = read is { } engineTime ? timeProvider.GetUtcNow() - engineTime : TimeSpan.Zero;
        return age > TimeSpan.Zero && age < MaxSampleAge
            ? now - (long)(age.Ticks * (timeProvider.TimestampFrequency / (double)TimeSpan.TicksPerSecond))
            : now;
    }

    /// <summary>The previous sample to take a CPU delta from, unless the container restarted since (or was never seen).</summary>
    private bool TryGetMark(string id, ContainerResourceSample sample, Func<string, DateTimeOffset?> startedAt, out CpuMark mark) =>
        _cpuMarks.TryGetValue(id, out mark)
        && sample.CpuNanoseconds >= mark.CpuNanoseconds
        && mark.StartedAt == startedAt(id);
}
