using System.Collections.Concurrent;

namespace UPanel.Panel.Storage;

/// <summary>
/// Group commit: each caller queues its item and waits for the writer's turn; whoever holds the turn takes everything
/// queued (up to <c>maxBatch</c>) and writes it in one transaction, then hands each caller its own result. So under
/// load one commit stores many items, and with no load an item is written alone at once. A caller gets a result only
/// after the batch holding its item committed. When a batch fails, each of its items is written again on its own, so
/// one bad item fails only its own caller and never the others'.
/// </summary>
internal sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> writeBatch, int maxBatch) : IDisposable
{
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<TResult> WriteAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item);
        _queue.Enqueue(pending);
        try
        {
            await _turn.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Still queued: the next writer skips it. Already taken by a writer: it may be stored, never acknowledged.
            pending.Result.TrySetCanceled(cancellationToken);
            throw;
        }

        try
        {
            // Our item was queued before we got the turn, so it is in one of the batches we write unless an earlier
            // writer took it. The batch runs to its end whatever happens to this request: it holds others' items.
            while (!pending.Result.Task.IsCompleted && Take() is { Count: > 0 } batch)
            {
                await WriteBatchAsync(batch);
            }
        }
        finally
        {
            _turn.Release();
        }

        return await pending.Result.Task;
    }

    private List<Pending> Take()
    {
        var batch = new List<Pending>();
        while (batch.Count < maxBatch && _queue.TryDequeue(out var next))
        {
            if (!next.Result.Task.IsCompleted)
            {
                batch.Add(next);
            }
        }

        return batch;
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        IReadOnlyList<TResult> results;
        try
        {
            results = await writeBatch(batch.ConvertAll(p => p.Item));
        }
        catch (Exception) when (batch.Count > 1)
        {
            // Nothing of the batch was stored (one transaction): each item again on its own.
            foreach (var pending in batch)
            {
                await WriteBatchAsync([pending]);
            }

            return;
        }
        catch (Exception exception)
        {
            batch[0].Result.TrySetException(exception);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(results[i]);
        }
    }

    public void Dispose() => _turn.Dispose();

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
