namespace UPanel.Panel.Hosting;

/// <summary>Writes a secret to a file that only the owner can read, created with that mode (never world-readable in between).</summary>
internal static class SecretFile
{
    public static void Write(string path, string content)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its old mode on FileMode.Create: force 0600.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>
    /// Makes a data file 0600, creating it empty when missing, before anything writes to it: SQLite creates its
    /// files with the process umask (0644 under the usual 022) and gives its -wal and -shm files the database's mode.
    /// </summary>
    public static void EnsurePrivate(string path, bool create)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (create)
        {
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }

        try
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (FileNotFoundException) when (!create)
        {
            // Not there, or gone meanwhile: SQLite removes -wal and -shm when another panel's last connection closes.
        }
    }

    /// <summary>The directory's mode when group or others may read or enter it, else null (or not there, or Windows).</summary>
    public static string? OpenToOthers(string path)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(path))
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        return (mode & others) == 0 ? null : Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
    }

    public static void EnsureDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
