namespace UPanel.Agent.Configuration;

/// <summary>The few file operations configuration needs, so tests can fake /opt/upanel-agent/.env and /host/proc.</summary>
internal interface IConfigFileSystem
{
    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> on failure.</summary>
    string ReadAllText(string path);

    /// <summary>The file's mode (e.g. "0644") when its group or other users may read it, else null.</summary>
    string? ReadableByOthers(string path);
}
