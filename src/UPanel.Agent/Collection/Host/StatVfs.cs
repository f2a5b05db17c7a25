using System.Runtime.InteropServices;

namespace UPanel.Agent.Collection.Host;

/// <summary>
/// libc's <c>struct statvfs</c> as glibc and musl lay it out on 64-bit Linux (and 32-bit without large-file
/// support): unsigned longs first. Only the leading fields are read.
/// </summary>
// Size: glibc's is 112 bytes (… int __f_spare[6]), musl's 112 (f_type, int __reserved[5]); 160 leaves room.
[StructLayout(LayoutKind.Sequential, Size = 160)]
internal struct StatVfs
{
    public nuint BlockSize;
    public nuint FragmentSize;
    public nuint Blocks;
    public nuint FreeBlocks;
    public nuint AvailableBlocks;
    public nuint Files;
    public nuint FreeFiles;
    public nuint AvailableFiles;
    public nuint FileSystemId;
    public nuint Flags;
    public nuint NameMax;
}
