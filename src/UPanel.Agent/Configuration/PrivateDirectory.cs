namespace UPanel.Agent.Configuration;

/// <summary>Creates a directory for secrets: it and every parent it has to create are 0700.</summary>
internal static class PrivateDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <remarks>
    /// <c>Directory.CreateDirectory(path, mode)</c> gives the mode to the last directory only; the parents it creates
    /// get the umask's 0755, so <c>--env-file /opt/x/y/.env</c> left /opt/x readable by everyone.
    /// </remarks>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The agent keeps secrets in files with Unix permissions.");
        }

        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
            if (Path.GetDirectoryName(current) is null)
            {
                break;
            }
        }

        foreach (var directory in missing)
        {
            Directory.CreateDirectory(directory, OwnerOnly);
        }
    }
}
