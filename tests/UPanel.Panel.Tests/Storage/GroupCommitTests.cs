using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// The group commit's promises with a fake writer (the real one is tested on both engines by HeartbeatWriterTests):
/// items that wait together are written together, and a caller is answered only with what its committed batch said.
/// </summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task Items_queued_while_a_batch_is_written_are_committed_together_in_the_next_batch()
    {
        var writer = new FakeBatchWriter();
        using var commit = new GroupCommit<string, string>(writer.WriteAsync, maxBatch: 10);

        var first = commit.WriteAsync("a", CancellationToken.None);
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var rest = new[] { "b", "c", "d" }.Select(item => commit.WriteAsync(item, CancellationToken.None)).ToArray();
        writer.Release();

        Assert.Equal("stored a", await first);
        Assert.Equal(["stored b", "stored c", "stored d"], await Task.WhenAll(rest));
        Assert.Equal(["a", "b,c,d"], writer.Committed);
    }

    [Fact]
    public async Task A_batch_is_cut_at_the_largest_size_and_every_item_is_still_answered()
    {
        var writer = new FakeBatchWriter();
        using var commit = new GroupCommit<string, string>(writer.WriteAsync, maxBatch: 2);

        var first = commit.WriteAsync("a", CancellationToken.None);
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var rest = new[] { "b", "c", "d", "e", "f" }.Select(item => commit.WriteAsync(item, CancellationToken.None)).ToArray();
        writer.Release();

        Assert.Equal("stored a", await first);
        Assert.Equal(["stored b", "stored c", "stored d", "stored e", "stored f"], await Task.WhenAll(rest));
        Assert.Equal(["a", "b,c", "d,e", "f"], writer.Committed);
    }

    [Fact]
    public async Task An_item_whose_batch_failed_is_never_acknowledged_and_the_others_are_written_alone()
    {
        var writer = new FakeBatchWriter { Poison = "bad" };
        using var commit = new GroupCommit<string, string>(writer.WriteAsync, maxBatch: 10);

        var first = commit.WriteAsync("a", CancellationToken.None);
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var good1 = commit.WriteAsync("b", CancellationToken.None);
        var bad = commit.WriteAsync("bad", CancellationToken.None);
        var good2 = commit.WriteAsync("c", CancellationToken.None);
        writer.Release();

        Assert.Equal("stored a", await first);
        Assert.Equal("stored b", await good1);
        Assert.Equal("stored c", await good2);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Equal("injected failure", failure.Message);
        // The batch b,bad,c was refused as a whole; only b and c were committed, each alone.
        Assert.Equal(["a", "b", "c"], writer.Committed);
    }

    [Fact]
    public async Task A_caller_cancelled_while_waiting_is_not_written()
    {
        var writer = new FakeBatchWriter();
        using var commit = new GroupCommit<string, string>(writer.WriteAsync, maxBatch: 10);
        using var cancel = new CancellationTokenSource();

        var first = commit.WriteAsync("a", CancellationToken.None);
        await writer.Entered.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var cancelled = commit.WriteAsync("b", cancel.Token);
        var kept = commit.WriteAsync("c", CancellationToken.None);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        writer.Release();

        Assert.Equal("stored a", await first);
        Assert.Equal("stored c", await kept);
        Assert.Equal(["a", "c"], writer.Committed);
    }

    /// <summary>Holds its first batch until released; fails any batch holding <see cref="Poison"/>, committing nothing of it.</summary>
    private sealed class FakeBatchWriter
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Poison { get; init; }

        public List<string> Committed { get; } = [];

        public Task Entered => _entered.Task;

        public void Release() => _release.SetResult();

        public async Task<IReadOnlyList<string>> WriteAsync(IReadOnlyList<string> batch)
        {
            _entered.TrySetResult();
            await _release.Task;
            if (batch.Contains(Poison))
            {
                throw new InvalidOperationException("injected failure");
            }

            Committed.Add(string.Join(',', batch));
            return batch.Select(item => $"stored {item}").ToList();
        }
    }
}
