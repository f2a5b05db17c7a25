using UPanel.Agent.Configuration;

namespace UPanel.Agent.Collection;

/// <summary>Reads host files under the roots configured in <see cref="AgentOptions"/>.</summary>
internal sealed class HostFiles(string procRoot, string sysRoot, string hostRoot) : IHostFiles
{
    public HostFiles(AgentOptions options)
        : this(options.HostProc, options.HostSys, options.HostRoot)
    {
    }

    public string PathOf(HostRootKind root, string relativePath)
    {
        var baseDir = root switch
        {
            HostRootKind.Proc => procRoot,
            HostRootKind.Sys => sysRoot,
            _ => hostRoot,
        };
        return Path.Join(baseDir, relativePath.TrimStart('/'));
    }

    public string ReadAllText(HostRootKind root, string relativePath) => File.ReadAllText(PathOf(root, relativePath));

    public bool Exists(HostRootKind root, string relativePath) => Path.Exists(PathOf(root, relativePath));
}
