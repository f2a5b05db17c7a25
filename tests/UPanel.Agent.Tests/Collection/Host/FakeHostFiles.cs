using UPanel.Agent.Collection;

namespace UPanel.Agent.Tests.Collection.Host;

/// <summary>
/// Wraps a real tree and denies one file with <see cref="UnauthorizedAccessException"/>: as root, the test cannot
/// make a file unreadable on demand. Implements only the interface's required members, so the collectors also run
/// through <see cref="IHostFiles"/>' default buffered read.
/// </summary>
internal sealed class FakeHostFiles(IHostFiles inner) : IHostFiles
{
    public string? Denied { get; init; }

    public string PathOf(HostRootKind root, string relativePath) => inner.PathOf(root, relativePath);

    public string ReadAllText(HostRootKind root, string relativePath) =>
        relativePath == Denied ? throw new UnauthorizedAccessException($"Access to the path '{PathOf(root, relativePath)}' is denied.") : inner.ReadAllText(root, relativePath);

    public bool Exists(HostRootKind root, string relativePath) => inner.Exists(root, relativePath);
}
