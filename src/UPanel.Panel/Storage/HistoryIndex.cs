namespace UPanel.Panel.Storage;

/// <summary>
/// A history index as <see cref="HistoryIndexes"/> found it: its size, what it would take rebuilt (null without statistics
/// to estimate from), and when rebuilt its size after (the rebuild's time is logged).
/// </summary>
internal sealed record HistoryIndex(string Name, long Bytes, long? RebuiltBytesEstimate, long? BytesAfterRebuild)
{
    public bool Rebuilt => BytesAfterRebuild is not null;
}
