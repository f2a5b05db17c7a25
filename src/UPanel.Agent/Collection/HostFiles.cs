using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Collection;

/// <summary>Reads host files under the roots configured in <see cref="AgentOptions"/>.</summary>
/// <remarks>
/// <see cref="ReadText"/> keeps kernel files (procfs, sysfs, cgroupfs) open and reads them again from offset 0, as
/// the kernel regenerates them on each read: a heartbeat re-reads the same few files (four in /proc, three per running
/// container), and the open and close of each were most of the cost of the cgroup reads (path walk through kernfs).
/// docs/decisions/cgroup-files-for-container-stats.md has the figures. A kept file whose kernel object went away (a
/// restarted container's cgroup is a new directory of the same name) fails its read and is opened again by path;
/// <see cref="Forget"/> closes the files of a container that is gone. Regular files (fixture trees) are never kept: a
/// file replaced on disk must be read anew.
/// </remarks>
internal sealed class HostFiles(string procRoot, string sysRoot, string hostRoot) : IHostFiles, IDisposable
{
    /// <summary>At most this many files are kept open (three per container: 85 containers), well inside a 1024 fd limit.</summary>
    internal const int MaxKeptOpen = 256;

    private readonly Lock _gate = new();
    // Keyed by what the caller passes, so a heartbeat's reads of kept files build no path string.
    private readonly Dictionary<(HostRootKind Root, string RelativePath), int> _kept = [];
    private bool _disposed;

    public HostFiles(AgentOptions options)
        : this(options.HostProc, options.HostSys, options.HostRoot)
    {
    }

    /// <summary>Whether a file is kept open now (for tests).</summary>
    internal bool IsKept(HostRootKind root, string relativePath)
    {
        lock (_gate)
        {
            return _kept.ContainsKey((root, relativePath));
        }
    }

    public string PathOf(HostRootKind root, string relativePath)
    {
        var baseDir = root switch
        {
            HostRootKind.Proc => procRoot,
            HostRootKind.Sys => sysRoot,
            _ => hostRoot,
        };
        return Path.Join(baseDir, relativePath.TrimStart('/'));
    }

    public string ReadAllText(HostRootKind root, string relativePath) => File.ReadAllText(PathOf(root, relativePath));

    public ReadOnlySpan<char> ReadText(HostRootKind root, string relativePath, ref char[] buffer)
    {
        // pread/open/close straight from libc: one syscall each, no FileStream, StreamReader or string per call.
        // procfs reports size 0, so read until end of file instead of trusting the length.
        var key = (root, relativePath);
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length, 4096));
        try
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_kept.Remove(key, out var keptFd))
                {
                    if (ReadAll(keptFd, kernelFile: true, ref bytes, out var keptLength) == 0)
                    {
                        _kept[key] = keptFd;
                        return Decode(bytes, keptLength, ref buffer);
                    }

                    // Gone since (ENODEV for a removed cgroup): the path may name a new object now.
                    _ = LibC.Close(keptFd);
                }

                var path = PathOf(root, relativePath);
                var fd = LibC.Open(path, LibC.OpenReadOnly | LibC.OpenCloseOnExec);
                if (fd < 0)
                {
                    throw LibC.ErrorFor(Marshal.GetLastPInvokeError(), "open", path);
                }

                var keep = false;
                try
                {
                    var kernelFile = IsKernelFile(fd);
                    var errno = ReadAll(fd, kernelFile, ref bytes, out var length);
                    if (errno != 0)
                    {
                        throw LibC.ErrorFor(errno, "read", path);
                    }

                    keep = kernelFile && _kept.Count < MaxKeptOpen;
                    if (keep)
                    {
                        _kept[key] = fd;
                    }

                    return Decode(bytes, length, ref buffer);
                }
                finally
                {
                    if (!keep)
                    {
                        _ = LibC.Close(fd);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Closes a kept file (a container that is gone), if it is kept.</summary>
    public void Forget(HostRootKind root, string relativePath)
    {
        lock (_gate)
        {
            if (_kept.Remove((root, relativePath), out var fd))
            {
                _ = LibC.Close(fd);
            }
        }
    }

    public bool Exists(HostRootKind root, string relativePath) => Path.Exists(PathOf(root, relativePath));

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var fd in _kept.Values)
            {
                _ = LibC.Close(fd);
            }

            _kept.Clear();
        }
    }

    /// <summary>The whole file from offset 0 into <paramref name="bytes"/> (grown from the pool); 0, or the errno.</summary>
    /// <remarks>
    /// A kernel file (<paramref name="kernelFile"/>) is done when a read returns less than half a page (and less than
    /// half of the space it was given): the kernel makes these files with seq_file, which hands out a page of whole
    /// records per read (fewer bytes only when the next record does not fit) and a single-record file (meminfo, stat,
    /// every cgroup file) in one piece when it fits. The records of the files read here (a /proc/net/dev line, about 130
    /// bytes) are far below half a page. Reading on to see the end of file cost one more pread per file, every
    /// heartbeat: with 20 containers 64 of the loop's 150 syscalls (1.7–2.1 µs each here in a tight loop). Regular
    /// files (the fixture trees) are read to end of file.
    /// </remarks>
    private static int ReadAll(int fd, bool kernelFile, ref byte[] bytes, out int length)
    {
        length = 0;
        while (true)
        {
            if (length == bytes.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(bytes.Length * 2);
                bytes.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(bytes);
                bytes = larger;
            }

            var free = bytes.AsSpan(length);
            var read = LibC.PRead(fd, free, (nuint)free.Length, length);
            if (read == 0)
            {
                return 0;
            }

            if (read < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.ErrorInterrupted)
                {
                    continue;
                }

                return errno;
            }

            length += (int)read;
            if (kernelFile && read < Math.Min(free.Length, Environment.SystemPageSize) / 2)
            {
                return 0;
            }
        }
    }

    private static ReadOnlySpan<char> Decode(byte[] bytes, int length, ref char[] buffer)
    {
        var needed = Encoding.UTF8.GetMaxCharCount(length);
        if (buffer.Length < needed)
        {
            buffer = new char[needed];
        }

        var chars = Encoding.UTF8.GetChars(bytes.AsSpan(0, length), buffer);
        return buffer.AsSpan(0, chars);
    }

    /// <summary>procfs, sysfs or a cgroup filesystem: contents the kernel makes anew on each read from offset 0.</summary>
    private static bool IsKernelFile(int fd) =>
        LibC.FStatFs(fd, out var stat) == 0
        && stat.Type is LibC.ProcSuperMagic or LibC.SysfsMagic or LibC.CgroupSuperMagic or LibC.Cgroup2SuperMagic;
}
