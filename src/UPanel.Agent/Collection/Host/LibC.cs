using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// The libc calls the host collectors need. statvfs has no .NET API; open/read/close read kernel files without
/// the fstat and two flock calls that every .NET file open adds (a third of the cost of a small /proc file).
/// </summary>
internal static partial class LibC
{
    public const int OpenReadOnly = 0;

    // O_CLOEXEC has the same value on x86-64 and arm64 (asm-generic).
    public const int OpenCloseOnExec = 0x80000;

    public const int ErrorInterrupted = 4; // EINTR

    /// <summary>statvfs(3). Returns 0, or -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int StatVfs(string path, out StatVfs buffer);

    /// <summary>open(2). Returns a descriptor, or -1 with errno set.</summary>
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags);

    /// <summary>read(2). Returns the bytes read (0 at end of file), or -1 with errno set.</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, Span<byte> buffer, nuint count);

    /// <summary>pread(2): read at <paramref name="offset"/> without moving the file position. Returns like read.</summary>
    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    internal static partial nint PRead(int fd, Span<byte> buffer, nuint count, nint offset);

    /// <summary>fstatfs(2): which filesystem a descriptor is on. Returns 0, or -1 with errno set.</summary>
    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    internal static partial int FStatFs(int fd, out StatFs buffer);

    // statfs f_type values (linux/magic.h).
    public const long ProcSuperMagic = 0x9fa0;
    public const long SysfsMagic = 0x62656572;
    public const long CgroupSuperMagic = 0x27e0eb;
    public const long Cgroup2SuperMagic = 0x63677270;

    /// <summary>fsync(2). Returns 0, or -1 with errno set.</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int fd);

    /// <summary>The exception .NET would throw for <paramref name="errno"/> on <paramref name="path"/>.</summary>
    internal static Exception ErrorFor(int errno, string operation, string path)
    {
        var message = $"{operation} {path}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            2 => new FileNotFoundException(message, path), // ENOENT
            20 => new DirectoryNotFoundException(message), // ENOTDIR
            1 or 13 => new UnauthorizedAccessException(message), // EPERM, EACCES
            _ => new IOException(message, errno),
        };
    }
}
