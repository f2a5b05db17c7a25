using Microsoft.Extensions.Logging;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Reporting;

/// <summary>
/// Heartbeats waiting for the panel, oldest first, as the bodies that are sent. Kept on disk in <c>STATE_DIR/queue</c>
/// (<see cref="QueueLog"/>), so a restart, a crash or a reboot during an outage loses nothing; bounded by count and
/// bytes, dropping the oldest and counting them. Used by the reporter loop only (one thread at a time).
/// </summary>
/// <remarks>
/// When the directory cannot be written (missing and not creatable, read-only, disk full) new heartbeats are kept in
/// memory (at most <see cref="MemoryMaxBytes"/>) after the ones already on disk, and each new heartbeat first tries
/// to move them to disk. <see cref="Problem"/> says why, for <c>/health</c> and <c>check</c>; the log says it once per
/// episode. Nothing is loaded into memory but the next heartbeat to send.
/// </remarks>
internal sealed class HeartbeatQueue : IDisposable
{
    /// <summary>Bound of the in-memory fallback: about 700 heartbeats with 20 containers.</summary>
    public const long MemoryMaxBytes = 2 * 1024 * 1024;

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Queue<QueuedHeartbeat> _memory = new();
    private QueueLog? _log;
    private long _memoryBytes;

    /// <param name="directory">Where the segment files live (<c>STATE_DIR/queue</c>); created 0700 when missing.</param>
    /// <param name="maxCount">At most this many heartbeats (QUEUE_MAX_HEARTBEATS; default a day at the interval).</param>
    /// <param name="maxBytes">At most this many bytes of heartbeats (QUEUE_MAX_BYTES).</param>
    public HeartbeatQueue(string directory, int maxCount, long maxBytes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _directory = directory;
        _logger = logger;
        MaxCount = maxCount;
        MaxBytes = maxBytes;
        TryOpen();
        if (_log is { } log)
        {
            DroppedCount = log.DroppedTotal;
            Log.QueueOpened(_logger, directory, log.Count, log.Bytes, log.DroppedTotal);
            if (log.CorruptRecords > 0)
            {
                Log.QueueCorrupt(_logger, log.CorruptRecords, directory);
            }

            foreach (var file in log.SetAside)
            {
                Log.QueueFileSetAside(_logger, file, directory);
            }
        }
    }

    /// <summary>Heartbeats waiting, on disk and in memory.</summary>
    public int Count => (_log?.Count ?? 0) + _memory.Count;

    /// <summary>Bytes of the heartbeats waiting.</summary>
    public long Bytes => (_log?.Bytes ?? 0) + _memoryBytes;

    /// <summary>Heartbeats dropped because the queue was full, since the queue was created (kept across restarts).</summary>
    public long DroppedCount { get; private set; }

    /// <summary>Corrupt or torn records skipped when the queue was opened.</summary>
    public int CorruptCount => _log?.CorruptRecords ?? 0;

    /// <summary>The highest seq the queue has held: a restarted agent continues after it.</summary>
    public long LastSeq => _log?.LastSeq ?? 0;

    public int MaxCount { get; set; }

    public long MaxBytes { get; }

    /// <summary>Null while every heartbeat is on disk; otherwise why some are only in memory (no secret in it).</summary>
    public string? Problem { get; private set; }

    /// <summary>A heartbeat written by <see cref="Enqueue"/> waits for <see cref="SyncIfQueued"/>'s <c>fsync</c>.</summary>
    public bool SyncPending => _log?.SyncPending ?? false;

    /// <summary>The <c>fsync</c>s of heartbeats and markers since the queue was opened.</summary>
    public long Syncs => _log?.Syncs ?? 0;

    /// <summary>
    /// Adds a heartbeat body at the tail, written before it returns when the disk allows (it survives a <c>kill -9</c>
    /// of the agent) but not fsynced: the caller sends it and then calls <see cref="SyncIfQueued"/>, which syncs it only
    /// if it is still queued. Makes room first by dropping the oldest; returns how many were dropped (their count is in
    /// <see cref="DroppedCount"/>).
    /// </summary>
    public int Enqueue(long seq, byte[] body)
    {
        var size = QueueRecord.HeaderSize + body.Length;
        var dropped = 0;
        while (Count > 0 && (Count >= MaxCount || Bytes + size > MaxBytes))
        {
            RemoveOldest();
            dropped++;
        }

        DroppedCount += dropped;
        if (TryMoveMemoryToDisk() && TryAppend(seq, body, sync: false))
        {
            return dropped;
        }

        while (_memory.Count > 0 && _memoryBytes + size > Math.Min(MemoryMaxBytes, MaxBytes))
        {
            _memoryBytes -= QueueRecord.HeaderSize + _memory.Dequeue().Body.Length;
            dropped++;
            DroppedCount++;
        }

        _memory.Enqueue(new QueuedHeartbeat(seq, body));
        _memoryBytes += size;
        return dropped;
    }

    public bool TryPeek(out QueuedHeartbeat heartbeat)
    {
        if (_log is { Count: > 0 } log && log.TryPeek(out var seq, out var body))
        {
            heartbeat = new QueuedHeartbeat(seq, body);
            return true;
        }

        return _memory.TryPeek(out heartbeat);
    }

    /// <summary>Takes the oldest off (delivered, rejected or dropped). Writes nothing: the next record carries it.</summary>
    public void RemoveOldest()
    {
        if (_log is { Count: > 0 } log)
        {
            log.RemoveOldest();
            return;
        }

        _memoryBytes -= QueueRecord.HeaderSize + _memory.Dequeue().Body.Length;
    }

    /// <summary>
    /// Syncs to disk what <see cref="Enqueue"/> wrote if a heartbeat is still queued on disk (the
    /// send failed, was not tried, or older ones wait); one delivered at once is never synced. A failed <c>fsync</c> is
    /// said like a failed write (<see cref="Problem"/>), the heartbeat stays queued and the next call tries again.
    /// </summary>
    public void SyncIfQueued()
    {
        try
        {
            _log?.SyncIfLive();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fallback(e);
        }
    }

    /// <summary>
    /// Writes down that at least <paramref name="removed"/> heartbeats were taken off since the last write (after a
    /// drain: 2; at shutdown: 1), so a restart does not send them again. Nothing is written below that. Best effort:
    /// if it cannot be written they are resent, and the panel stores them once.
    /// </summary>
    public void Checkpoint(int removed = 1)
    {
        if (_log is not { } log || log.RemovedSinceWrite < removed)
        {
            return;
        }

        try
        {
            log.Mark(DroppedCount);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fallback(e);
        }
    }

    public void Dispose() => _log?.Dispose();

    private void TryOpen()
    {
        try
        {
            _log = QueueLog.Open(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fallback(e);
        }
    }

    private bool TryMoveMemoryToDisk()
    {
        if (_log is null)
        {
            TryOpen();
        }

        while (_log is not null && _memory.TryPeek(out var oldest))
        {
            if (!TryAppend(oldest.Seq, oldest.Body, sync: true))
            {
                return false;
            }

            _memoryBytes -= QueueRecord.HeaderSize + _memory.Dequeue().Body.Length;
        }

        return _log is not null;
    }

    private bool TryAppend(long seq, byte[] body, bool sync)
    {
        try
        {
            _log!.Append(seq, body, DroppedCount, sync);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fallback(e);
            return false;
        }

        if (Problem is not null)
        {
            Problem = null;
            Log.QueueDurableAgain(_logger, _directory);
        }

        return true;
    }

    private void Fallback(Exception e)
    {
        if (Problem is null)
        {
            var reason = FileErrorText.Describe(e, _directory);
            Problem = $"cannot write {_directory} ({reason}); heartbeats are kept in memory until it can be written";
            Log.QueueNotDurable(_logger, _directory, reason, MemoryMaxBytes / 1024);
        }
    }
}

/// <summary>A heartbeat as it waits in the queue: its seq (for the log) and the JSON body that is sent.</summary>
internal readonly record struct QueuedHeartbeat(long Seq, byte[] Body);
