namespace UPanel.Agent.Collection;

/// <summary>
/// The one seam through which every host file is read. Paths are relative to a root
/// (HOST_PROC, HOST_SYS, HOST_ROOT), so tests point it at a fixture tree.
/// </summary>
internal interface IHostFiles
{
    /// <summary>The absolute path of <paramref name="relativePath"/> under the given root.</summary>
    string PathOf(HostRootKind root, string relativePath);

    /// <summary>Reads a whole (small, kernel) file. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> on failure.</summary>
    string ReadAllText(HostRootKind root, string relativePath);

    bool Exists(HostRootKind root, string relativePath);
}
