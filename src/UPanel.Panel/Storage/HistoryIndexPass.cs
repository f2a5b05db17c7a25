namespace UPanel.Panel.Storage;

/// <summary>What one pass of <see cref="HistoryIndexes.CompactAsync"/> did: the interrupted rebuilds' leftovers it dropped, and every index it checked.</summary>
internal sealed record HistoryIndexPass(IReadOnlyList<string> DroppedLeftovers, IReadOnlyList<HistoryIndex> Indexes)
{
    /// <summary>Nothing to do (SQLite: see docs/decisions/history-index-rebuild.md).</summary>
    public static readonly HistoryIndexPass None = new([], []);
}
