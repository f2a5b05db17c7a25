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

    /// <summary>
    /// Reads a whole (small, kernel) file into <paramref name="buffer"/>, growing it when too small, and returns
    /// the text. For the per-heartbeat path: no string per read. Throws like <see cref="ReadAllText(HostRootKind, string)"/>.
    /// </summary>
    ReadOnlySpan<char> ReadText(HostRootKind root, string relativePath, ref char[] buffer)
    {
        // Fallback for implementations (test fakes) that only know whole strings.
        var text = ReadAllText(root, relativePath);
        if (buffer.Length < text.Length)
        {
            buffer = new char[text.Length];
        }

        text.CopyTo(buffer);
        return buffer.AsSpan(0, text.Length);
    }

    /// <summary>Lets go of a file <see cref="ReadText"/> may keep open (a container that is gone); no-op when not kept.</summary>
    void Forget(HostRootKind root, string relativePath)
    {
    }

    bool Exists(HostRootKind root, string relativePath);
}
