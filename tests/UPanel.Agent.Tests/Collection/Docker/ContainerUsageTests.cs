using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
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

        var first = await usage.MeasureAsync(client, elsewhere, _ => null, TestContext.Current.CancellationToken);
        var second = await usage.MeasureAsync(client, [Captured], _ => null, TestContext.Current.CancellationToken);

        Assert.Empty(first.Usage); // the engine knows none of them either
        Assert.Equal(0, second.ViaApi);
        Assert.Equal(67780608UL, second.Usage[Captured].MemoryBytes);
        Assert.Equal("cgroup files (v1 cgroupfs)", usage.Source);
    }
}
