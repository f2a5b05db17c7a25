using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class ContainerUsageTests
{
    /// <summary>The container captured in Fixtures/v1-cgroupfs.</summary>
    private const string Captured = "6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05";

    [Fact]
    public async Task Cgroup_layout_detection_is_tried_again_in_each_collection()
    {
        // Three containers whose files are nowhere to be found (say, in a custom --cgroup-parent) use up one
        // collection's detection attempts; the next collection tries again and finds the captured container's files.
        await using var engine = FakeEngineSocket.Answering(404, "Not Found", """{"message":"No such container"}""");
        using var client = new DockerApiClient(DockerEndpoint.Unix(engine.SocketPath));
        var usage = new ContainerUsage(DockerFixtures.HostFilesFor("v1-cgroupfs"), NullLogger.Instance, new FakeTimeProvider(), TimeSpan.Zero);
        List<string> elsewhere = [new string('1', 64), new string('2', 64), new string('3', 64)];
        Assert.Equal("cgroup files or the engine stats API (the first running container decides)", usage.Source);

        var first = await usage.MeasureAsync(client, elsewhere, _ => null, TestContext.Current.CancellationToken);
        var second = await usage.MeasureAsync(client, [Captured], _ => null, TestContext.Current.CancellationToken);

        Assert.Empty(first.Usage); // the engine knows none of them either
        Assert.Equal(0, second.ViaApi);
        Assert.Equal(67780608UL, second.Usage[Captured].MemoryBytes);
        Assert.Equal("cgroup files (v1 cgroupfs)", usage.Source);
    }

    [Fact]
    public async Task Cpu_is_the_delta_since_the_previous_sample_and_a_container_not_measured_meanwhile_starts_again()
    {
        var root = DockerFixtures.CopyOfSys("v1-cgroupfs");
        try
        {
            var cpuFile = Path.Join(root, "fs/cgroup/cpuacct/docker", Captured, "cpuacct.usage");
            await using var engine = FakeEngineSocket.Answering(404, "Not Found", """{"message":"No such container"}""");
            using var client = new DockerApiClient(DockerEndpoint.Unix(engine.SocketPath));
            using var files = new HostFiles("/proc", root, "/");
            var time = new FakeTimeProvider();
            var usage = new ContainerUsage(files, NullLogger.Instance, time, TimeSpan.Zero);
            var token = TestContext.Current.CancellationToken;

            var first = await usage.MeasureAsync(client, [Captured], _ => null, token);
            time.Advance(TimeSpan.FromSeconds(1));
            File.WriteAllText(cpuFile, $"{59851365 + 500_000_000}\n");
            var second = await usage.MeasureAsync(client, [Captured], _ => null, token);
            var without = await usage.MeasureAsync(client, [], _ => null, token);
            time.Advance(TimeSpan.FromSeconds(1));
            File.WriteAllText(cpuFile, $"{59851365 + 1_500_000_000}\n");
            var again = await usage.MeasureAsync(client, [Captured], _ => null, token);

            Assert.Equal((0.0, 67780608UL), first.Usage[Captured]); // first sight, no baseline wait: no delta yet
            Assert.Equal((50.0, 67780608UL), second.Usage[Captured]); // 0.5 s of CPU in 1 s
            Assert.Empty(without.Usage);
            Assert.Equal(0.0, again.Usage[Captured].CpuPercent); // not measured in between: no delta across the gap
            Assert.Equal(50.0, second.Usage[Captured].CpuPercent); // an earlier answer is not changed by later ones
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Cpu_through_the_api_is_timed_by_the_engines_read_not_by_when_its_answer_came()
    {
        // The engine read the cgroup 0.8 s before its first answer arrived (a busy host) and 0.1 s before its second,
        // one second of our clock later: 0.5 s of CPU over the 1.7 s between its reads is 29.41 %, not the 50 % that
        // timing by arrival gives. A third answer without a read time, and one claiming a read in the future, are timed
        // by arrival.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var id = new string('a', 64);
        (ulong CpuNs, string? Read) answer = default;
        await using var engine = FakeEngineSocket.Routing(request => request switch
        {
            "GET /_ping" => FakeEngineSocket.Response(200, "OK", "\"OK\"", "Api-Version: 1.41"),
            _ when request.StartsWith($"GET /v1.41/containers/{id}/stats?", StringComparison.Ordinal) => FakeEngineSocket.Response(200, "OK",
                "{" + (answer.Read is null ? "" : $"\"read\":\"{answer.Read}\",")
                + $"\"cpu_stats\":{{\"cpu_usage\":{{\"total_usage\":{answer.CpuNs}}}}},\"memory_stats\":{{\"usage\":1048576}}}}"),
            _ => FakeEngineSocket.Response(404, "Not Found", """{"message":"not asked for"}"""),
        });
        using var client = new DockerApiClient(engine.Endpoint);
        var noCgroups = Directory.CreateTempSubdirectory("upanel-no-cgroups");
        try
        {
            using var files = new HostFiles("/proc", noCgroups.FullName, "/");
            var usage = new ContainerUsage(files, NullLogger.Instance, time, TimeSpan.Zero);
            var token = TestContext.Current.CancellationToken;
            string ReadAgo(double seconds) => (time.GetUtcNow() - TimeSpan.FromSeconds(seconds)).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

            answer = (1_000_000_000, ReadAgo(0.8));
            var first = await usage.MeasureAsync(client, [id], _ => null, token);
            time.Advance(TimeSpan.FromSeconds(1));
            answer = (1_500_000_000, ReadAgo(0.1));
            var second = await usage.MeasureAsync(client, [id], _ => null, token);
            time.Advance(TimeSpan.FromSeconds(1));
            answer = (2_000_000_000, null);
            var third = await usage.MeasureAsync(client, [id], _ => null, token); // 0.5 s over 1.1 s
            time.Advance(TimeSpan.FromSeconds(1));
            answer = (2_250_000_000, ReadAgo(-5));
            var fourth = await usage.MeasureAsync(client, [id], _ => null, token); // 0.25 s over 1 s

            Assert.Equal((0.0, 1048576UL), first.Usage[id]);
            Assert.Equal(1, second.ViaApi);
            Assert.Equal(29.41, second.Usage[id].CpuPercent);
            Assert.Equal(45.45, third.Usage[id].CpuPercent);
            Assert.Equal(25.0, fourth.Usage[id].CpuPercent);
        }
        finally
        {
            noCgroups.Delete(recursive: true);
        }
    }
}
