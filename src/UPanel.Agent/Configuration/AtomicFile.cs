using System.Runtime.InteropServices;
using System.Text;
using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Replaces a file so that readers see either the old or the new content, never a torn one, and the content
/// is never readable by others, not even for a moment: temp file in the same directory created with the final
/// mode, written, fsynced, renamed over the target, and the directory fsynced: until the directory entry is on disk a
/// power cut can bring back the old file (for a rotated token, one the panel no longer accepts).
/// </summary>
internal static class AtomicFile
{
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void WriteAllText(string path, string content, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The agent keeps secrets in files with Unix permissions.");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Unique, not secret: Guid comes from the kernel's getrandom, while RandomNumberGenerator would load OpenSSL (MBs of RSS).
        var temp = Path.Join(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode,
            };
            using (var stream = new FileStream(temp, options))
            {
                // The umask can only remove bits; set the mode explicitly before any secret is written.
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        SyncDirectory(directory);
    }

    /// <summary>
    /// .NET cannot open a directory (FileStream refuses), so open(2) it read-only and fsync(2) it. A file system that
    /// cannot sync directories (EINVAL) has nothing more to offer; any other failure is a real I/O error and is thrown.
    /// </summary>
    internal static void SyncDirectory(string directory)
    {
        const int InvalidArgument = 22; // EINVAL
        var fd = LibC.Open(directory, LibC.OpenReadOnly | LibC.OpenCloseOnExec);
        if (fd < 0)
        {
            throw LibC.ErrorFor(Marshal.GetLastPInvokeError(), "open", directory);
        }

        try
        {
            if (LibC.Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno and not InvalidArgument)
            {
                throw LibC.ErrorFor(errno, "fsync", directory);
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
