using UPanel.Agent.Cli;
using UPanel.Agent.Tests.Configuration;

namespace UPanel.Agent.Tests.Cli;

public sealed class CheckCommandTests
{
    private readonly CliRunner _cli = new() { Files = new FakeConfigFileSystem() };

    [Fact]
    public async Task Check_prints_one_line_per_problem_with_its_fix_and_exits_1()
    {
        var empty = Directory.CreateTempSubdirectory("upanel-check-").FullName;
        try
        {
            _cli.Environment["HOST_PROC"] = empty;
            _cli.Environment["HOST_SYS"] = empty;
            _cli.Environment["HOST_ROOT"] = Path.Join(empty, "missing");
            _cli.Environment["DOCKER_HOST"] = $"unix://{empty}/docker.sock";
            _cli.Environment["AGENT_TOKEN"] = "secret-agent-token";

            var result = await _cli.RunAsync("check");

            Assert.Equal(ExitCodes.Failure, result.ExitCode);
            var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string[] expected =
                [
                    "FAIL  config: PANEL_URL is not set",
                    "FAIL  config: SERVER_ID is not set",
                    $"FAIL  host mounts: HOST_PROC={empty}: {empty}/stat cannot be read",
                    $"FAIL  host mounts: HOST_PROC={empty}: {empty}/1/net/dev cannot be read",
                    $"FAIL  host mounts: HOST_SYS={empty}: {empty}/devices/virtual/net does not exist",
                    $"FAIL  host mounts: HOST_ROOT={empty}/missing: statvfs",
                    "FAIL  panel: not checked",
                    $"FAIL  docker: DOCKER_HOST=unix://{empty}/docker.sock: {empty}/docker.sock does not exist",
                ];
            Assert.Equal(expected.Length, lines.Length);
            Assert.All(expected.Zip(lines), pair => Assert.StartsWith(pair.First, pair.Second));
            Assert.All(lines.Where(l => l.StartsWith("FAIL  host", StringComparison.Ordinal)), l => Assert.Contains("mount the host's", l));
            Assert.DoesNotContain("secret-agent-token", result.Out + result.Err);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Check_says_ok_for_real_host_mounts_and_a_running_docker_engine()
    {
        RequiredServices.Docker();
        _cli.Environment["HOST_PROC"] = "/proc";
        _cli.Environment["HOST_SYS"] = "/sys";
        _cli.Environment["HOST_ROOT"] = "/";
        _cli.Environment["DOCKER_HOST"] = "unix://" + RequiredServices.DockerSocket;

        var result = await _cli.RunAsync("check");

        Assert.Contains("ok    host mounts: HOST_PROC=/proc HOST_SYS=/sys HOST_ROOT=/\n", result.Out);
        Assert.Contains("ok    docker: DOCKER_HOST=unix:///var/run/docker.sock answers\n", result.Out);
    }
}
