using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// libc's <c>struct statfs</c> on 64-bit Linux (glibc and musl, x86-64 and arm64): a long f_type first. Only the type
/// is read.
/// </summary>
// Size: 120 bytes on these targets; 160 leaves room.
[StructLayout(LayoutKind.Sequential, Size = 160)]
internal struct StatFs
{
    public long Type;
}
