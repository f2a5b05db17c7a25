using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>check</c>: one <c>ok</c> line per healthy area, one <c>FAIL</c> line per problem with its fix; exit 1 when any.
/// Areas: config, host mounts, panel (reachability and token), docker.
/// </summary>
internal sealed class CheckCommand(CliEnvironment env, ConfigLoadResult config)
{
    private int _failures;

    public async Task<int> RunAsync()
    {
        var options = config.Options;
        var configProblems = config.ProblemsFor(ConfigNeeds.Panel);
        foreach (var problem in configProblems)
        {
            Fail("config", problem.Message);
        }

        if (configProblems.Count == 0)
        {
            Ok("config", $"PANEL_URL={options.PanelUrl} SERVER_ID={options.ServerId} AGENT_TOKEN=(set) " +
                         $"env file: {(config.EnvFileLoaded ? config.EnvFilePath : "none")}");
        }

        CheckHostMounts(options);
        await CheckPanelAsync(configProblems.Count == 0);
        var docker = await DockerPing.ProblemAsync(options.DockerHost, env.Stopping);
        if (docker is null)
        {
            Ok("docker", $"DOCKER_HOST={options.DockerHost} answers");
        }
        else
        {
            Fail("docker", docker);
        }

        return _failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private void CheckHostMounts(AgentOptions options)
    {
        var files = new HostFiles(options);
        var before = _failures;
        const string mountProc = "mount the host's /proc (-v /proc:/host/proc:ro) or set HOST_PROC";
        Readable(files, HostRootKind.Proc, "stat", "HOST_PROC", options.HostProc, mountProc);
        Readable(files, HostRootKind.Proc, "1/net/dev", "HOST_PROC", options.HostProc, mountProc + " (network counters come from it)");
        if (!Directory.Exists(files.PathOf(HostRootKind.Sys, "devices/virtual/net")))
        {
            Fail("host mounts",
                $"HOST_SYS={options.HostSys}: {files.PathOf(HostRootKind.Sys, "devices/virtual/net")} does not exist: " +
                "mount the host's /sys (-v /sys:/host/sys:ro) or set HOST_SYS");
        }

        try
        {
            if (DiskCollector.Read(options.HostRoot).TotalBytes == 0)
            {
                Fail("host mounts", $"HOST_ROOT={options.HostRoot}: statvfs reports a size of 0: mount the host's / (-v /:/host/root:ro) or set HOST_ROOT");
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            Fail("host mounts", $"HOST_ROOT={options.HostRoot}: {e.Message}: mount the host's / (-v /:/host/root:ro) or set HOST_ROOT");
        }

        if (_failures == before)
        {
            Ok("host mounts", $"HOST_PROC={options.HostProc} HOST_SYS={options.HostSys} HOST_ROOT={options.HostRoot}");
        }
    }

    private void Readable(IHostFiles files, HostRootKind root, string relative, string setting, string value, string fix)
    {
        try
        {
            files.ReadAllText(root, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("host mounts", $"{setting}={value}: {files.PathOf(root, relative)} cannot be read ({e.GetType().Name}): {fix}");
        }
    }

    private Task CheckPanelAsync(bool configOk)
    {
        if (!configOk)
        {
            Fail("panel", "not checked: fix the config problems above first");
            return Task.CompletedTask;
        }

        // The panel client is not yet part of this build: say so rather than guess at the panel's answer.
        env.Out.WriteLine("skip  panel: the panel client is not yet available in this build");
        return Task.CompletedTask;
    }

    private void Ok(string area, string detail) => env.Out.WriteLine($"ok    {area}: {detail}");

    private void Fail(string area, string message)
    {
        _failures++;
        env.Out.WriteLine($"FAIL  {area}: {message}");
    }
}
