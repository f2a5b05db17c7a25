using System.Text;
using Microsoft.Extensions.Logging.Testing;
using UPanel.Agent.Configuration;
using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Reporting;

/// <summary>The durable queue on real files: reopening, bounds, torn and corrupt records, foreign files, full and read-only disks.</summary>
public sealed class HeartbeatQueueTests : IDisposable
{
    private readonly string _stateDir = Directory.CreateTempSubdirectory("upanel-queue-").FullName;
    private readonly FakeLogger _logger = new();

    private string QueueDir => Path.Join(_stateDir, "queue");

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    [Fact]
    public void Heartbeats_come_back_oldest_first_with_their_bodies_after_a_reopen()
    {
        using (var queue = Open())
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                Assert.Equal(0, queue.Enqueue(seq, Body(seq)));
            }
        }

        using var reopened = Open();
        Assert.Equal(3, reopened.Count);
        Assert.Equal(3, reopened.LastSeq);
        Assert.Equal([1L, 2L, 3L], Drain(reopened).Select(h => h.Seq));
        Assert.Equal(0, reopened.Count);
        Assert.Null(reopened.Problem);
    }

    [Fact]
    public void Bodies_are_returned_byte_for_byte()
    {
        using var queue = Open();
        var body = Body(7, size: 5000);
        queue.Enqueue(7, body);

        Assert.True(queue.TryPeek(out var head));
        Assert.Equal(body, head.Body);
        Assert.Equal(7, head.Seq);
    }

    [Fact]
    public void A_full_queue_drops_the_oldest_and_the_count_survives_a_restart()
    {
        using (var queue = Open(maxCount: 3))
        {
            for (var seq = 1; seq <= 5; seq++)
            {
                queue.Enqueue(seq, Body(seq));
            }

            Assert.Equal(3, queue.Count);
            Assert.Equal(2, queue.DroppedCount);
        }

        using var reopened = Open(maxCount: 3);
        Assert.Equal(2, reopened.DroppedCount);
        Assert.Equal([3L, 4L, 5L], Drain(reopened).Select(h => h.Seq));
    }

    [Fact]
    public void The_byte_bound_drops_the_oldest_too()
    {
        using var queue = Open(maxBytes: 3 * (QueueRecord.HeaderSize + 1000));
        for (var seq = 1; seq <= 4; seq++)
        {
            queue.Enqueue(seq, Body(seq, size: 1000));
        }

        Assert.Equal(3, queue.Count);
        Assert.Equal(3 * (QueueRecord.HeaderSize + 1000), queue.Bytes);
        Assert.Equal(1, queue.DroppedCount);
        Assert.Equal([2L, 3L, 4L], Drain(queue).Select(h => h.Seq));
    }

    [Fact]
    public void Taking_a_heartbeat_off_writes_nothing_until_the_next_record_or_a_checkpoint()
    {
        using (var queue = Open())
        {
            queue.Enqueue(1, Body(1));
            queue.Enqueue(2, Body(2));
            var before = SegmentBytes();
            queue.RemoveOldest();
            Assert.Equal(before, SegmentBytes());
        }

        // Killed before anything else was written: 1 comes back (the panel stores it once, by its heartbeat_id).
        using (var reopened = Open())
        {
            Assert.Equal([1L, 2L], Peek(reopened));
            reopened.RemoveOldest();
            reopened.Enqueue(3, Body(3)); // carries "1 is done"
        }

        using (var reopened = Open())
        {
            Assert.Equal([2L, 3L], Peek(reopened));
            reopened.RemoveOldest();
            reopened.RemoveOldest();
            reopened.Checkpoint();
        }

        using var last = Open();
        Assert.Equal(0, last.Count);
        Assert.Equal(3, last.LastSeq);
    }

    [Fact]
    public void A_checkpoint_writes_only_when_enough_was_taken_off_and_then_a_reopen_does_not_resend_it()
    {
        using (var queue = Open())
        {
            queue.Enqueue(1, Body(1));
            queue.Enqueue(2, Body(2));
            queue.RemoveOldest();
            var before = SegmentBytes();

            queue.Checkpoint(removed: 2); // one taken off: left to the next record
            Assert.Equal(before, SegmentBytes());
            queue.Checkpoint();
            Assert.Equal(before + QueueRecord.HeaderSize, SegmentBytes());
            queue.Checkpoint(); // nothing more taken off since
            Assert.Equal(before + QueueRecord.HeaderSize, SegmentBytes());
        }

        using var reopened = Open();
        Assert.Equal([2L], Drain(reopened).Select(h => h.Seq));
    }

    [Fact]
    public void A_heartbeat_is_fsynced_only_while_it_is_queued_and_survives_a_reopen()
    {
        using (var queue = Open())
        {
            // Delivered before the sync: written, never fsynced, and nothing is left pending.
            queue.Enqueue(1, Body(1));
            Assert.True(queue.SyncPending);
            Assert.Equal(0, queue.Syncs);
            queue.RemoveOldest();
            queue.SyncIfQueued();
            Assert.False(queue.SyncPending);
            Assert.Equal(0, queue.Syncs);

            // Still queued (the send failed): fsynced once, and not again while nothing new is written.
            queue.Enqueue(2, Body(2));
            Assert.True(queue.SyncPending);
            queue.SyncIfQueued();
            Assert.False(queue.SyncPending);
            Assert.Equal(1, queue.Syncs);
            queue.SyncIfQueued();
            Assert.Equal(1, queue.Syncs);

            // Written behind 2, still queued: fsynced by the next sync.
            queue.Enqueue(3, Body(3));
            Assert.True(queue.SyncPending);
            queue.SyncIfQueued();
            Assert.Equal(2, queue.Syncs);
        }

        // 1 was delivered (taken off; the next record carries it), 2 and 3 come back.
        using var reopened = Open();
        Assert.Equal([2L, 3L], Drain(reopened).Select(h => h.Seq));
    }

    [Fact]
    public void A_segment_roll_fsyncs_what_the_old_segment_holds_unsynced()
    {
        using var queue = Open(maxCount: 10_000);
        for (var seq = 1; seq <= 10; seq++)
        {
            queue.Enqueue(seq, Body(seq, size: 100_000));
        }

        Assert.Single(Segments());
        Assert.Equal(0, queue.Syncs);

        queue.Enqueue(11, Body(11, size: 100_000));

        Assert.Equal(2, Segments().Length);
        Assert.Equal(1, queue.Syncs); // the old segment, before the new one was started
        Assert.True(queue.SyncPending); // 11, in the new segment
        queue.SyncIfQueued();
        Assert.Equal(2, queue.Syncs);
        Assert.False(queue.SyncPending);
    }

    [Fact]
    public void A_torn_last_record_is_cut_off_counted_and_the_queue_goes_on()
    {
        using (var queue = Open())
        {
            queue.Enqueue(1, Body(1));
            queue.Enqueue(2, Body(2));
        }

        var segment = Segments().Single();
        using (var file = File.OpenWrite(segment))
        {
            file.SetLength(file.Length - 10); // power cut in the middle of writing 2
        }

        using (var reopened = Open())
        {
            Assert.Equal(1, reopened.CorruptCount);
            Assert.Equal([1L], Peek(reopened));
            reopened.Enqueue(3, Body(3));
        }

        using var again = Open();
        Assert.Equal(0, again.CorruptCount);
        Assert.Equal([1L, 3L], Drain(again).Select(h => h.Seq));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1220);
    }

    [Fact]
    public void A_corrupt_record_in_the_middle_is_skipped_and_counted_and_the_ones_after_it_are_kept()
    {
        using (var queue = Open())
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                queue.Enqueue(seq, Body(seq, size: 200));
            }
        }

        // Flip one byte in the middle record's body (bit rot): its checksum no longer holds.
        var segment = Segments().Single();
        var bytes = File.ReadAllBytes(segment);
        var second = 16 + QueueRecord.HeaderSize + 200 + QueueRecord.HeaderSize + 100;
        bytes[second] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        using var reopened = Open();
        Assert.Equal(1, reopened.CorruptCount);
        Assert.Equal([1L, 3L], Drain(reopened).Select(h => h.Seq));
    }

    [Fact]
    public void Garbage_where_the_queue_should_be_never_stops_the_agent()
    {
        Directory.CreateDirectory(QueueDir);
        var random = new Random(42);
        var garbage = new byte[100_000];
        random.NextBytes(garbage);
        File.WriteAllBytes(Path.Join(QueueDir, "0000000001.queue"), [.. "UPQUEUE\0"u8, 1, 0, 0, 0, 0, 0, 0, 0, .. garbage]);

        using var queue = Open();
        Assert.Equal(0, queue.Count);
        Assert.True(queue.CorruptCount >= 1);
        queue.Enqueue(1, Body(1));
        Assert.Equal([1L], Drain(queue).Select(h => h.Seq));
    }

    [Fact]
    public void A_queue_file_from_a_newer_agent_is_moved_aside_untouched_and_a_new_queue_starts()
    {
        Directory.CreateDirectory(QueueDir);
        byte[] future = [.. "UPQUEUE\0"u8, 2, 0, 0, 0, 0, 0, 0, 0, .. "whatever version 2 keeps"u8];
        File.WriteAllBytes(Path.Join(QueueDir, "0000000007.queue"), future);

        using var queue = Open();

        Assert.Equal(0, queue.Count);
        Assert.Equal(future, File.ReadAllBytes(Path.Join(QueueDir, "0000000007.queue.v2")));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1221 && r.Message.Contains("0000000007.queue.v2", StringComparison.Ordinal));
        queue.Enqueue(1, Body(1));
        Assert.Equal(["0000000008.queue"], Segments().Select(Path.GetFileName));
    }

    [Fact]
    public void Segments_roll_over_and_delivered_ones_are_deleted()
    {
        using var queue = Open(maxCount: 10_000);
        for (var seq = 1; seq <= 25; seq++)
        {
            queue.Enqueue(seq, Body(seq, size: 100_000));
        }

        Assert.Equal(3, Segments().Length); // 1 MiB segments, 10 bodies of 100 kB each
        for (var i = 0; i < 20; i++)
        {
            queue.RemoveOldest();
        }

        Assert.Single(Segments());
        Assert.Equal(5, queue.Count);
        queue.Checkpoint();
        using var reopened = Open(maxCount: 10_000);
        Assert.Equal([21L, 22L, 23L, 24L, 25L], Peek(reopened));
    }

    [Fact]
    public void Without_a_writable_state_dir_heartbeats_are_kept_in_memory_and_the_problem_is_said_once()
    {
        // A STATE_DIR under a regular file cannot be created, even by root.
        var file = Path.Join(_stateDir, "not-a-directory");
        File.WriteAllText(file, "");
        using var queue = new HeartbeatQueue(Path.Join(file, "queue"), 100, AgentOptions.DefaultQueueMaxBytes, _logger);

        queue.Enqueue(1, Body(1));
        queue.Enqueue(2, Body(2));

        Assert.Equal(2, queue.Count);
        var queueDir = Path.Join(file, "queue");
        Assert.Equal(
            $"cannot write {queueDir} (a file is in the way (not a directory): {queueDir}); heartbeats are kept in memory until it can be written",
            queue.Problem);
        Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1222);
        Assert.Equal([1L, 2L], Drain(queue).Select(h => h.Seq));
    }

    [Fact]
    public void A_full_disk_keeps_new_heartbeats_in_memory_and_moves_them_to_disk_in_order_when_space_returns()
    {
        RequiredServices.Root();
        using var disk = TinyTmpfs.Mount(_stateDir, "128k");
        var queueDir = Path.Join(disk.Path, "queue");
        using (var queue = new HeartbeatQueue(queueDir, 1000, AgentOptions.DefaultQueueMaxBytes, _logger))
        {
            queue.Enqueue(1, Body(1, size: 30_000));
            var filler = Path.Join(disk.Path, "filler");
            TinyTmpfs.FillUp(filler);

            queue.Enqueue(2, Body(2, size: 30_000));
            queue.Enqueue(3, Body(3, size: 30_000));
            Assert.Equal(3, queue.Count);
            Assert.NotNull(queue.Problem);
            Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1222);

            File.Delete(filler);
            queue.Enqueue(4, Body(4, size: 1000));
            Assert.Null(queue.Problem);
            Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1223);
        }

        using var reopened = new HeartbeatQueue(queueDir, 1000, AgentOptions.DefaultQueueMaxBytes, _logger);
        Assert.Equal([1L, 2L, 3L, 4L], Drain(reopened).Select(h => h.Seq));
    }

    [Fact]
    public void A_read_only_state_dir_keeps_what_is_on_disk_sendable_and_new_heartbeats_in_memory()
    {
        RequiredServices.Root();
        using var disk = TinyTmpfs.Mount(_stateDir, "1m");
        var queueDir = Path.Join(disk.Path, "queue");
        using (var queue = new HeartbeatQueue(queueDir, 1000, AgentOptions.DefaultQueueMaxBytes, _logger))
        {
            queue.Enqueue(1, Body(1));
        }

        disk.RemountReadOnly();
        using var readOnly = new HeartbeatQueue(queueDir, 1000, AgentOptions.DefaultQueueMaxBytes, _logger);
        readOnly.Enqueue(2, Body(2));

        Assert.NotNull(readOnly.Problem);
        Assert.Equal([1L, 2L], Drain(readOnly).Select(h => h.Seq));
    }

    private HeartbeatQueue Open(int maxCount = 100, long maxBytes = AgentOptions.DefaultQueueMaxBytes) =>
        new(QueueDir, maxCount, maxBytes, _logger);

    private static byte[] Body(long seq, int size = 100)
    {
        var text = $"{{\"seq\":{seq},\"pad\":\"";
        return Encoding.ASCII.GetBytes(text + new string('x', Math.Max(0, size - text.Length - 2)) + "\"}");
    }

    private static List<QueuedHeartbeat> Drain(HeartbeatQueue queue)
    {
        var drained = new List<QueuedHeartbeat>();
        while (queue.TryPeek(out var head))
        {
            Assert.Equal(head.Seq, long.Parse(Encoding.ASCII.GetString(head.Body).Split(',')[0]["{\"seq\":".Length..], System.Globalization.CultureInfo.InvariantCulture));
            drained.Add(head);
            queue.RemoveOldest();
        }

        return drained;
    }

    /// <summary>The seqs waiting, oldest first, without taking them off (reads a copy of the queue's files).</summary>
    private List<long> Peek(HeartbeatQueue queue)
    {
        var copy = Directory.CreateTempSubdirectory("upanel-queue-copy-").FullName;
        try
        {
            foreach (var file in Segments())
            {
                File.Copy(file, Path.Join(copy, Path.GetFileName(file)));
            }

            using var clone = new HeartbeatQueue(copy, queue.MaxCount, queue.MaxBytes, new FakeLogger());
            Assert.Equal(queue.Count, clone.Count);
            return [.. Drain(clone).Select(h => h.Seq)];
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private string[] Segments() => [.. Directory.GetFiles(QueueDir, "*.queue").Order(StringComparer.Ordinal)];

    private long SegmentBytes() => Segments().Sum(f => new FileInfo(f).Length);
}
