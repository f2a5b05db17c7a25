using System.Text.Json;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// deploy/docker-compose.yml as shipped, on the real engine, with the agent's image, against the real panel behind a
/// TLS terminator whose certificate a private CA signed (trusted through a docker-compose.override.yml, as README shows).
/// </summary>
[Collection(nameof(AgentContainerCollection))]
public sealed class ComposeTests : IAsyncLifetime
{
    private const string PanelName = "panel.upanel-compose.test";

    // The directory is named as users have it, so the compose project is "upanel-agent" as theirs.
    private readonly string _project = Path.Combine(Directory.CreateTempSubdirectory("upanel-compose-").FullName, "upanel-agent");
    private readonly List<string> _containers = [];
    private MachineLock? _lock;

    [Fact]
    public async Task Compose_agent_reports_the_hosts_own_figures_and_its_containers_healthy_and_not_as_root()
    {
        var image = await AgentImage.NameAsync();
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_project, "..", "panel") });
        using var ca = new PrivateCa();
        await using var tls = new TlsTerminator(panel.BaseAddress.Port, ca.Issue(PanelName), PanelName);
        Directory.CreateDirectory(_project);
        await File.WriteAllTextAsync(Path.Combine(_project, "ca.pem"), ca.RootPem, TestContext.Current.CancellationToken);
        string[] caMount = ["-e", "SSL_CERT_FILE=/etc/upanel/ca.pem", "-v", $"{Path.Combine(_project, "ca.pem")}:/etc/upanel/ca.pem:ro"];
        await AgentImage.RegisterAsync(tls.Url, await panel.CreateInstallTokenAsync(), _project, [.. caMount, "--add-host", $"{PanelName}:127.0.0.1"]);
        var serverId = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile(Path.Combine(_project, ".env"))["SERVER_ID"];
        using (var response = await panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{serverId}/settings", panel.AdminKey, """{"next_heartbeat_seconds":5}"""))
        {
            await PanelHost.ReadJsonAsync(response, 200);
        }

        var dockerGid = await new EngineCli("stat").RunAsync("-c", "%g", RequiredServices.DockerSocket);
        await File.AppendAllTextAsync(Path.Combine(_project, ".env"), $"UPANEL_IMAGE={image}\nDOCKER_GID={dockerGid}\n", TestContext.Current.CancellationToken);
        File.Copy(Path.Combine(RepositoryRoot.Path, "deploy", "docker-compose.yml"), Path.Combine(_project, "docker-compose.yml"));
        await File.WriteAllTextAsync(Path.Combine(_project, "docker-compose.override.yml"), $"""
            services:
              agent:
                environment:
                  SSL_CERT_FILE: /etc/upanel/ca.pem
                volumes:
                  - ./ca.pem:/etc/upanel/ca.pem:ro
                extra_hosts:
                  - "{PanelName}:127.0.0.1"
            """, TestContext.Current.CancellationToken);
        var testContainer = $"upanel-test-compose-{Guid.NewGuid():N}"[..32];
        _containers.Add(await DockerCli.StartAsync(testContainer, [], "sleep", "3600"));

        var before = HostFigures.Read();
        await using var ram = new RamUsedRange();
        await ComposeCli.RunAsync(_project, "up", "-d");
        var containers = (await Poll.UntilAsync(
            () => panel.AdminGetAsync($"/api/admin/servers/{serverId}/containers"),
            list => list.GetProperty("containers") is { ValueKind: JsonValueKind.Array } array
                && array.EnumerateArray().Any(c => c.GetProperty("name").GetString() == testContainer)
                && array.EnumerateArray().Any(c => c.GetProperty("name").GetString() == "upanel-agent"),
            "a heartbeat from the compose agent listing its own and the test container", TimeSpan.FromSeconds(60))).GetProperty("containers");
        var server = await panel.AdminGetAsync($"/api/admin/servers/{serverId}");
        var after = HostFigures.Read();
        await ram.StopAsync();

        var metrics = server.GetProperty("metrics");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"heartbeat from the container: {metrics}\nthis host before: {before}\nthis host after:  {after}\nRAM used between: {ram.MinMb}-{ram.MaxMb} MB");
        Assert.Equal(before.RamTotalMb, metrics.GetProperty("ram_total_mb").GetInt64());
        // Within what this host showed while the agent ran (read every 50 ms: other builds move it by hundreds of MB).
        Assert.InRange(metrics.GetProperty("ram_used_mb").GetInt64(), ram.MinMb - 64, ram.MaxMb + 64);
        Assert.Equal(before.DiskTotalGb, metrics.GetProperty("disk_total_gb").GetInt64());
        Assert.InRange(metrics.GetProperty("disk_used_gb").GetInt64(), Math.Min(before.DiskUsedGb, after.DiskUsedGb) - 1, Math.Max(before.DiskUsedGb, after.DiskUsedGb) + 1);
        // Counters since boot of the host's non-virtual interfaces: between what this host read before and after.
        Assert.InRange(metrics.GetProperty("network_in_bytes").GetInt64(), before.NetworkInBytes, after.NetworkInBytes);
        Assert.InRange(metrics.GetProperty("network_out_bytes").GetInt64(), before.NetworkOutBytes, after.NetworkOutBytes);
        Assert.True(after.NetworkInBytes > 0, "this host has no non-virtual interface with traffic: the network check would prove nothing");

        var own = containers.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "upanel-agent");
        Assert.Equal((image, "running"), (own.GetProperty("image").GetString(), own.GetProperty("status").GetString()));
        var test = containers.EnumerateArray().Single(c => c.GetProperty("name").GetString() == testContainer);
        Assert.Equal((DockerCli.Image, "running"), (test.GetProperty("image").GetString(), test.GetProperty("status").GetString()));

        await DockerCli.WaitForAsync("upanel-agent", "{{.State.Health.Status}}", status => status == "healthy", TimeSpan.FromSeconds(90));
        var pid = await DockerCli.InspectAsync("upanel-agent", "{{.State.Pid}}");
        var ids = File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("Uid:") || l.StartsWith("Gid:"))
            .Select(l => l.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1).Distinct().Single()).ToList();
        Assert.Equal(["65532", "65532"], ids);
        Assert.Equal("0000000000000000", File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("CapEff:"))[7..].Trim());
    }

    public async ValueTask InitializeAsync() =>
        _lock = await MachineLock.AcquireAsync("upanel-agent-container", TimeSpan.FromMinutes(10));

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(_project, "docker-compose.yml")))
        {
            await ComposeCli.RunAsync(_project, "down", "-v");
        }

        await DockerCli.RemoveAsync(_containers);
        Directory.Delete(Path.GetDirectoryName(_project)!, recursive: true);
        _lock?.Dispose();
    }
}
