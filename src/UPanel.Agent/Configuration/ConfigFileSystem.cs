namespace UPanel.Agent.Configuration;

/// <summary>The real file system.</summary>
internal sealed class ConfigFileSystem : IConfigFileSystem
{
    public static readonly ConfigFileSystem Instance = new();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string ReadAllText(string path) => File.ReadAllText(path);
}
