namespace UPanel.Agent.Collection.Host;

/// <summary>One filesystem's size as <c>df</c> counts it: used = total − free blocks (reserved blocks count as used).</summary>
internal readonly record struct DiskUsage(ulong TotalBytes, ulong UsedBytes)
{
    /// <summary>From a statvfs result; throws <see cref="FormatException"/> on sizes that do not fit 64 bits.</summary>
    public static DiskUsage From(in StatVfs stat)
    {
        // f_frsize is the unit of f_blocks; very old libcs left it 0 and meant f_bsize.
        ulong unit = stat.FragmentSize != 0 ? stat.FragmentSize : stat.BlockSize;
        ulong blocks = stat.Blocks;
        ulong free = Math.Min((ulong)stat.FreeBlocks, blocks);
        try
        {
            return new DiskUsage(checked(blocks * unit), checked((blocks - free) * unit));
        }
        catch (OverflowException)
        {
            throw new FormatException($"statvfs: {blocks} blocks of {unit} bytes overflow 64 bits");
        }
    }
}
