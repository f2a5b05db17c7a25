using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>The libc calls the host collectors need that .NET does not expose.</summary>
internal static partial class LibC
{
    /// <summary>statvfs(3). Returns 0, or -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int StatVfs(string path, out StatVfs buffer);
}
