using UPanel.Agent.Configuration;

namespace UPanel.Agent.Tests.Configuration;

/// <summary>Files and directories in memory, so tests can say "/opt/upanel-agent/.env exists" without root.</summary>
internal sealed class FakeConfigFileSystem : IConfigFileSystem
{
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Directories { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths whose read fails with "permission denied".</summary>
    public HashSet<string> Unreadable { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths other users may read, with their mode.</summary>
    public Dictionary<string, string> OpenModes { get; } = new(StringComparer.Ordinal);

    public string? ReadableByOthers(string path) => OpenModes.GetValueOrDefault(path);

    public bool FileExists(string path) => Files.ContainsKey(path) || Unreadable.Contains(path);

    public bool DirectoryExists(string path) => Directories.Contains(path);

    public string ReadAllText(string path)
    {
        if (Unreadable.Contains(path))
        {
            throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        }

        return Files.TryGetValue(path, out var text) ? text : throw new FileNotFoundException("not found", path);
    }
}
