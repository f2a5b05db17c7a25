namespace UPanel.Agent.Configuration;

/// <summary>The few file operations configuration needs, so tests can fake /opt/upanel-agent/.env and /host/proc.</summary>
internal interface IConfigFileSystem
{
    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> on failure.</summary>
    string ReadAllText(string path);
}
