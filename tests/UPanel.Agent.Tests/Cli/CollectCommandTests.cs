using System.Text.Json;
using UPanel.Agent.Tests.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Cli;

public sealed class CollectCommandTests
{
    private readonly CliRunner _cli = new() { Files = new FakeConfigFileSystem() };

    public CollectCommandTests()
    {
        _cli.Environment["HOST_PROC"] = "/proc";
        _cli.Environment["HOST_SYS"] = "/sys";
        _cli.Environment["HOST_ROOT"] = "/";
    }

    [Fact]
    public async Task Collect_prints_the_heartbeat_as_indented_json_without_registration()
    {
        // Panel settings are not needed, and a broken one does not stop collect.
        _cli.Environment["PANEL_URL"] = "not a url";
        _cli.Environment["DOCKER_HOST"] = "unix:///nonexistent/docker.sock";

        var result = await _cli.RunAsync("collect");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("{\n  \"server_id\": \"unregistered\",\n", result.Out.ReplaceLineEndings("\n"));
        var heartbeat = JsonSerializer.Deserialize(result.Out, ContractsJsonContext.Default.Heartbeat)!;
        Assert.Equal(AgentInfo.Version, heartbeat.AgentVersion);
        Assert.True(heartbeat.Metrics.RamTotalMb > 0);
        Assert.True(heartbeat.Metrics.DiskTotalGb > 0);
        Assert.Equal(3, heartbeat.Metrics.LoadAverage!.Count);
        Assert.NotNull(heartbeat.Metrics.CpuPercent);
        Assert.NotNull(heartbeat.Metrics.NetworkInBytes);
        Assert.NotNull(heartbeat.HeartbeatId);
        Assert.NotNull(heartbeat.Seq);
        Assert.Contains("\"containers\": null", result.Out);
    }

    [Fact]
    public async Task Collect_lists_the_containers_of_a_running_engine()
    {
        RequiredServices.Docker();
        _cli.Environment["DOCKER_HOST"] = "unix://" + RequiredServices.DockerSocket;

        var result = await _cli.RunAsync("collect");

        Assert.Equal(0, result.ExitCode);
        var heartbeat = JsonSerializer.Deserialize(result.Out, ContractsJsonContext.Default.Heartbeat)!;
        Assert.NotNull(heartbeat.Containers);
        Assert.All(heartbeat.Containers, c => Assert.Equal(12, c.Id.Length));
    }

    [Fact]
    public async Task Collect_uses_the_configured_server_id()
    {
        _cli.Environment["SERVER_ID"] = "01JCOLLECT";

        var result = await _cli.RunAsync("collect");

        Assert.Equal("01JCOLLECT", JsonSerializer.Deserialize(result.Out, ContractsJsonContext.Default.Heartbeat)!.ServerId);
    }

    [Fact]
    public async Task Collect_stops_on_a_broken_local_setting()
    {
        _cli.Environment["HOST_PROC"] = "proc";

        var result = await _cli.RunAsync("collect");

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("HOST_PROC 'proc' from the environment is not an absolute path", result.Err);
    }
}
