using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Storage;

/// <summary>
/// Keeps history compact and bounded, once at start, then every interval: rolls raw heartbeats older than
/// <see cref="HistoryRollup.RawAge"/> up into rollups, then prunes what is older than the retention age. Panels sharing
/// one PostgreSQL database take turns: a run that finds another panel at it is skipped (its work is being done).
/// </summary>
internal sealed class RetentionService(IPanelStore store, PanelOptions options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    private TaskCompletionSource<int> _nextRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the number of heartbeats deleted when the next run ends (tests wait on it instead of sleeping).</summary>
    public Task<int> NextRun => Volatile.Read(ref _nextRun).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RetentionInterval, time);
        do
        {
            var deleted = 0;
            try
            {
                await using var exclusive = await store.TryLockRetentionAsync(stoppingToken);
                if (exclusive is null)
                {
                    Log.PruneSkipped(logger);
                }
                else
                {
                    var now = time.GetUtcNow();
                    var cutoff = now - TimeSpan.FromDays(options.RetentionDays);
                    var rolled = await store.RollUpAsync(now - HistoryRollup.RawAge, stoppingToken);
                    if (rolled > 0)
                    {
                        Log.RolledUp(logger, rolled);
                    }

                    deleted = await store.PruneAsync(now, cutoff, stoppingToken);
                    if (deleted > 0)
                    {
                        Log.Pruned(logger, deleted, cutoff);
                    }

                    await CompactIndexesAsync(now, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.PruneFailed(logger, exception);
            }

            Interlocked.Exchange(ref _nextRun, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(deleted);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>
    /// After pruning, under the same lock: history indexes grown well past their rows' need are rebuilt (PostgreSQL;
    /// docs/decisions/history-index-rebuild.md). A failure here is logged apart and leaves the run's count as it is.
    /// </summary>
    private async Task CompactIndexesAsync(DateTimeOffset now, CancellationToken stoppingToken)
    {
        try
        {
            // Each index dropped or rebuilt is logged as it is done (events 2114-2116).
            await store.CompactHistoryIndexesAsync(now, stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.IndexRebuildFailed(logger, exception);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
