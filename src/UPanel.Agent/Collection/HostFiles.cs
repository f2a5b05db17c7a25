using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using UPanel.Agent.Collection.Host;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Collection;

/// <summary>Reads host files under the roots configured in <see cref="AgentOptions"/>.</summary>
internal sealed class HostFiles(string procRoot, string sysRoot, string hostRoot) : IHostFiles
{
    public HostFiles(AgentOptions options)
        : this(options.HostProc, options.HostSys, options.HostRoot)
    {
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
        // open/read/close straight from libc: one syscall each, no FileStream, StreamReader or string per call.
        // procfs reports size 0, so read until end of file instead of trusting the length.
        var path = PathOf(root, relativePath);
        var fd = LibC.Open(path, LibC.OpenReadOnly | LibC.OpenCloseOnExec);
        if (fd < 0)
        {
            throw LibC.ErrorFor(Marshal.GetLastPInvokeError(), "open", path);
        }

        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length, 4096));
        try
        {
            var length = 0;
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
                var read = LibC.Read(fd, free, (nuint)free.Length);
                if (read == 0)
                {
                    break;
                }

                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.ErrorInterrupted)
                    {
                        continue;
                    }

                    throw LibC.ErrorFor(errno, "read", path);
                }

                length += (int)read;
            }

            var needed = Encoding.UTF8.GetMaxCharCount(length);
            if (buffer.Length < needed)
            {
                buffer = new char[needed];
            }

            var chars = Encoding.UTF8.GetChars(bytes.AsSpan(0, length), buffer);
            return buffer.AsSpan(0, chars);
        }
        finally
        {
            _ = LibC.Close(fd);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    public bool Exists(HostRootKind root, string relativePath) => Path.Exists(PathOf(root, relativePath));
}
