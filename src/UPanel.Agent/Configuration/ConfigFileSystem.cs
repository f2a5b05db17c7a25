namespace UPanel.Agent.Configuration;

/// <summary>The real file system.</summary>
internal sealed class ConfigFileSystem : IConfigFileSystem
{
    public static readonly ConfigFileSystem Instance = new();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string ReadAllText(string path) => File.ReadAllText(path);

    public string? ReadableByOthers(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0 ? null : Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
