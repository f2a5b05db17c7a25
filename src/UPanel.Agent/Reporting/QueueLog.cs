using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Reporting;

/// <summary>
/// The durable part of the heartbeat queue: append-only segment files in <c>STATE_DIR/queue</c>, oldest first.
/// Only positions and counts are in memory; a record is read from disk when it is next to send.
/// </summary>
/// <remarks>
/// <para>Each segment (<c>0000000001.queue</c>, …) is a 16-byte file header ("UPQUEUE", format version) followed by
/// <see cref="QueueRecord"/>s. Appending is one write, and an idle agent writes once per heartbeat. The write is in
/// the page cache when <see cref="Append"/> returns, so it survives a <c>kill -9</c> or a crash of the agent; the
/// <c>fsync</c> that makes it survive a power cut is done at once (<c>sync: true</c>: markers, heartbeats moved from
/// memory) or left to <see cref="SyncIfLive"/> (<c>sync: false</c>: a fresh heartbeat, which the reporter sends
/// first and syncs only if it is still queued afterwards: docs/decisions/one-thread-per-heartbeat.md, fifth pass). A
/// heartbeat delivered at once is then never fsynced; one that stays queued is, right after the attempt. A segment
/// roll syncs the old tail first. Taking a record off the queue writes nothing: the next record (or a marker at the
/// end of a drain and at shutdown) carries the new first live seq. After a <c>kill -9</c> the few heartbeats delivered
/// since the last write are sent again with their own <c>heartbeat_id</c>, which the panel stores once
/// (docs/decisions/idempotent-resend.md); after a power cut, those delivered since the last fsync.</para>
/// <para>Opening never fails on content: a torn tail is cut off, a corrupt record is skipped (the scan finds the next
/// valid header) and counted, a file of another format or a newer version is moved aside, untouched. Only a directory
/// that cannot be created, read or written throws (the caller keeps heartbeats in memory then).</para>
/// </remarks>
internal sealed class QueueLog : IDisposable
{
    public const int FormatVersion = 1;
    public const string Extension = ".queue";
    public const long DefaultSegmentBytes = 1024 * 1024;

    private const int FileHeaderSize = 16;
    private static ReadOnlySpan<byte> FileMagic => "UPQUEUE\0"u8;

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly List<Segment> _segments = [];
    private readonly byte[] _header = new byte[QueueRecord.HeaderSize];

    // The oldest live record: segment (index into _segments), offset, seq and size; the tail when the queue is empty.
    private int _headSegment;
    private long _headOffset;
    private long _headSeq;
    private int _headSize;
    private (long Seq, byte[] Payload)? _peeked;
    private bool _tailDirty;

    private QueueLog(string directory, long segmentBytes)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
    }

    /// <summary>Live heartbeats on disk.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of the live heartbeats (records with their headers).</summary>
    public long Bytes { get; private set; }

    /// <summary>The highest seq ever written (delivered or not): seq stays monotonic across restarts.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Dropped heartbeats as of the last record written (the owner adds to it and passes it back).</summary>
    public long DroppedTotal { get; private set; }

    /// <summary>Heartbeats taken off since the last record was written: what a <see cref="Mark"/> would write down.</summary>
    public int RemovedSinceWrite { get; private set; }

    /// <summary>Records written to the tail since its last <c>fsync</c> (in the page cache, not yet on the disk).</summary>
    public bool SyncPending { get; private set; }

    /// <summary>The <c>fsync</c>s of records done since opening (not counting file headers and directories).</summary>
    public long Syncs { get; private set; }

    /// <summary>Corrupt or torn records found when opening (skipped).</summary>
    public int CorruptRecords { get; private set; }

    /// <summary>Files that were not ours to read (another format, a newer version), moved aside when opening.</summary>
    public IReadOnlyList<string> SetAside { get; private set; } = [];

    private Segment Tail => _segments[^1];

    private long FirstLiveSeq => Count > 0 ? _headSeq : LastSeq + 1;

    /// <summary>Opens (creating it 0700 when missing) and scans the queue in <paramref name="directory"/>.</summary>
    /// <exception cref="IOException">The directory or a segment cannot be created, read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to do so.</exception>
    public static QueueLog Open(string directory, long segmentBytes = DefaultSegmentBytes)
    {
        PrivateDirectory.Create(directory);
        var log = new QueueLog(directory, segmentBytes);
        try
        {
            log.Load();
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a heartbeat at the tail and, with <paramref name="sync"/>, syncs it to disk; without, the <c>fsync</c> is
    /// left to <see cref="SyncIfLive"/>. On failure (disk full, read-only, I/O error) nothing is counted and the
    /// exception is thrown; a partly written record is cut off by the next write or the next open.
    /// </summary>
    public void Append(long seq, ReadOnlySpan<byte> payload, long droppedTotal, bool sync = true)
    {
        ArgumentOutOfRangeException.ThrowIfZero(payload.Length);
        var firstLive = Count > 0 ? FirstLiveSeq : seq;
        Write(QueueRecord.Encode(seq, firstLive, droppedTotal, payload), sync);
        if (Count == 0)
        {
            var size = QueueRecord.HeaderSize + payload.Length;
            (_headSegment, _headOffset, _headSeq, _headSize) = (_segments.Count - 1, Tail.Length - size, seq, size);
        }

        Count++;
        Bytes += QueueRecord.HeaderSize + payload.Length;
        LastSeq = Math.Max(LastSeq, seq);
        DroppedTotal = droppedTotal;
    }

    /// <summary>Writes the current state (first live seq, dropped total) without a heartbeat, and syncs it.</summary>
    public void Mark(long droppedTotal)
    {
        Write(QueueRecord.Encode(LastSeq, FirstLiveSeq, droppedTotal, []), sync: true);
        DroppedTotal = droppedTotal;
        if (Count == 0)
        {
            (_headSegment, _headOffset) = (_segments.Count - 1, Tail.Length);
        }
    }

    /// <summary>
    /// Syncs what was written without <c>fsync</c> when a heartbeat is still live (queued); when none is, what was
    /// written is left unsynced (delivered, rejected or dropped: a power cut can only bring back the state before it, and
    /// a delivered heartbeat resent is stored once). On failure the exception is thrown and the sync stays pending (the
    /// next call tries again).
    /// </summary>
    public void SyncIfLive()
    {
        if (SyncPending && Count > 0)
        {
            Sync(Tail);
        }
        else
        {
            SyncPending = false;
        }
    }

    /// <summary>The oldest live heartbeat: its seq and body, read from disk (and kept until it is removed).</summary>
    public bool TryPeek(out long seq, out byte[] payload)
    {
        if (Count == 0)
        {
            (seq, payload) = (0, []);
            return false;
        }

        _peeked ??= ReadHead();
        (seq, payload) = _peeked.Value;
        return true;
    }

    /// <summary>Takes the oldest live heartbeat off (delivered, rejected or dropped); writes nothing.</summary>
    public void RemoveOldest()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The queue is empty.");
        }

        Count--;
        Bytes -= _headSize;
        RemovedSinceWrite++;
        _peeked = null;
        if (Count > 0 && NextLive(_headSegment, _headOffset + _headSize) is { } next)
        {
            // Its body was read to check it: it is the next one to send.
            (_headSegment, _headOffset, _headSeq, _headSize) = (next.Segment, next.Offset, next.Record.Seq, next.Record.Size);
            _peeked = (next.Record.Seq, next.Payload);
        }
        else
        {
            // Empty (or the rest of the files turned unreadable under us: nothing left that can be sent).
            (Count, Bytes, _headSegment, _headOffset) = (0, 0, _segments.Count - 1, Tail.Length);
        }

        DeleteConsumedSegments();
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            segment.Handle.Dispose();
        }

        _segments.Clear();
    }

    private (long Seq, byte[] Payload) ReadHead()
    {
        var payload = new byte[_headSize - QueueRecord.HeaderSize];
        ReadExactly(_segments[_headSegment], payload, _headOffset + QueueRecord.HeaderSize);
        return (_headSeq, payload);
    }

    private void Write(byte[] record, bool sync)
    {
        if (Tail.Length > FileHeaderSize && Tail.Length + record.Length > _segmentBytes)
        {
            if (SyncPending)
            {
                Sync(Tail); // only the new tail is synced afterwards
            }

            AddSegment(Tail.Index + 1);
        }

        var tail = Tail;
        try
        {
            if (_tailDirty)
            {
                // A failed write may have left part of a record beyond the tail.
                RandomAccess.SetLength(tail.Handle, tail.Length);
                _tailDirty = false;
            }

            RandomAccess.Write(tail.Handle, record, tail.Length);
            SyncPending = true;
            if (sync)
            {
                Sync(tail);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _tailDirty = true;
            throw;
        }

        tail.Length += record.Length;
        RemovedSinceWrite = 0;
    }

    private void Sync(Segment segment)
    {
        RandomAccess.FlushToDisk(segment.Handle);
        SyncPending = false;
        Syncs++;
    }

    private void Load()
    {
        var found = new List<(long Index, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.Length > 0 && name.All(char.IsAsciiDigit) && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                found.Add((index, path));
            }
        }

        var setAside = new List<string>();
        foreach (var (index, path) in found.OrderBy(f => f.Index))
        {
            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Read-only (a read-only mount, a full disk's owner): what is on disk can still be sent.
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            }

            var problem = CheckFileHeader(handle);
            if (problem is null)
            {
                _segments.Add(new Segment(index, path, handle) { Length = RandomAccess.GetLength(handle) });
                continue;
            }

            handle.Dispose();
            var aside = $"{path}.{problem}";
            File.Move(path, aside, overwrite: true);
            setAside.Add(Path.GetFileName(aside));
        }

        SetAside = setAside;
        if (_segments.Count == 0)
        {
            AddSegment(found.Count > 0 ? found.Max(f => f.Index) + 1 : 1);
        }

        Scan();
    }

    /// <summary>Null when the file is a segment of this version; else why it is not (the suffix it is moved aside with).</summary>
    private static string? CheckFileHeader(SafeFileHandle handle)
    {
        Span<byte> header = stackalloc byte[FileHeaderSize];
        var read = RandomAccess.Read(handle, header, 0);
        if (read == 0)
        {
            return null; // created, then the process died before the header: an empty segment (rewritten below)
        }

        if (read < FileHeaderSize || !header[..8].SequenceEqual(FileMagic))
        {
            return "unknown-format";
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        return version == FormatVersion ? null : $"v{version.ToString(CultureInfo.InvariantCulture)}";
    }

    private void Scan()
    {
        // Pass 1: every record's checksum; the last valid record holds the queue's state. A torn tail is cut off.
        long firstLive = 1;
        var corrupt = 0;
        for (var s = 0; s < _segments.Count; s++)
        {
            var segment = _segments[s];
            if (segment.Length < FileHeaderSize)
            {
                WriteFileHeader(segment);
                continue;
            }

            var validEnd = (long)FileHeaderSize;
            var offset = (long)FileHeaderSize;
            while (NextValid(segment, offset, ref corrupt) is { } found)
            {
                firstLive = found.Record.FirstLiveSeq;
                DroppedTotal = found.Record.DroppedTotal;
                LastSeq = Math.Max(LastSeq, found.Record.Seq);
                offset = validEnd = found.Offset + found.Record.Size;
            }

            if (s == _segments.Count - 1)
            {
                // The next write cuts off a torn tail (it cannot be done now on a read-only file).
                _tailDirty = segment.Length > validEnd;
                segment.Length = validEnd;
            }
        }

        CorruptRecords = corrupt;

        // Pass 2: the live records are those from firstLive on.
        (_headSegment, _headOffset) = (_segments.Count - 1, Tail.Length);
        var head = false;
        for (var s = 0; s < _segments.Count; s++)
        {
            var offset = (long)FileHeaderSize;
            var ignored = 0;
            while (NextValid(_segments[s], offset, ref ignored) is { } found)
            {
                offset = found.Offset + found.Record.Size;
                if (found.Record.IsMarker || found.Record.Seq < firstLive)
                {
                    continue;
                }

                if (!head)
                {
                    (_headSegment, _headOffset, _headSeq, _headSize, head) = (s, found.Offset, found.Record.Seq, found.Record.Size, true);
                }

                Count++;
                Bytes += found.Record.Size;
            }
        }

        DeleteConsumedSegments();
    }

    /// <summary>The first live record at or after the position (skipping markers, delivered records and corruption).</summary>
    private (int Segment, long Offset, QueueRecord Record, byte[] Payload)? NextLive(int segment, long offset)
    {
        var ignored = 0;
        for (var s = segment; s < _segments.Count; s++, offset = FileHeaderSize)
        {
            while (NextValid(_segments[s], offset, ref ignored) is { } found)
            {
                if (!found.Record.IsMarker)
                {
                    return (s, found.Offset, found.Record, found.Payload);
                }

                offset = found.Offset + found.Record.Size;
            }
        }

        return null;
    }

    /// <summary>
    /// The first valid record at or after <paramref name="offset"/> in <paramref name="segment"/>, with its body; each
    /// stretch of bytes that is not one (torn, overwritten, bit rot) adds one to <paramref name="corrupt"/>.
    /// </summary>
    private (long Offset, QueueRecord Record, byte[] Payload)? NextValid(Segment segment, long offset, ref int corrupt)
    {
        if (IsValidAt(segment, offset, out var record, out var payload))
        {
            return (offset, record, payload);
        }

        if (offset >= segment.Length)
        {
            return null;
        }

        corrupt++;

        // Find the next header whose checksum holds: records start anywhere after a torn or damaged one.
        var buffer = new byte[64 * 1024];
        for (var start = offset + 1; start < segment.Length; start += buffer.Length - 3)
        {
            var read = RandomAccess.Read(segment.Handle, buffer, start);
            for (var i = 0; i + 4 <= read; i++)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(i)) == QueueRecord.Magic && IsValidAt(segment, start + i, out record, out payload))
                {
                    return (start + i, record, payload);
                }
            }

            if (read < buffer.Length)
            {
                break;
            }
        }

        return null;
    }

    private bool IsValidAt(Segment segment, long offset, out QueueRecord record, out byte[] payload)
    {
        record = default;
        payload = [];
        if (offset + QueueRecord.HeaderSize > segment.Length
            || RandomAccess.Read(segment.Handle, _header, offset) < QueueRecord.HeaderSize
            || !QueueRecord.TryReadHeader(_header, out record, out var checksum)
            || offset + record.Size > segment.Length)
        {
            return false;
        }

        if (record.PayloadLength > 0)
        {
            payload = new byte[record.PayloadLength];
            ReadExactly(segment, payload, offset + QueueRecord.HeaderSize);
        }

        return QueueRecord.Checksum(_header.AsSpan(0, 36), payload) == checksum;
    }

    private void AddSegment(long index)
    {
        var path = Path.Join(_directory, index.ToString("D10", CultureInfo.InvariantCulture) + Extension);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        var segment = new Segment(index, path, handle);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(handle, AtomicFile.OwnerReadWrite); // in a 0700 directory anyway
            }
            WriteFileHeader(segment);
            AtomicFile.SyncDirectory(_directory);
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }

        _segments.Add(segment);
    }

    private static void WriteFileHeader(Segment segment)
    {
        Span<byte> header = stackalloc byte[FileHeaderSize];
        FileMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
        RandomAccess.SetLength(segment.Handle, 0);
        RandomAccess.Write(segment.Handle, header, 0);
        RandomAccess.FlushToDisk(segment.Handle);
        segment.Length = FileHeaderSize;
    }

    /// <summary>Segments wholly before the head hold nothing live: deleted (the tail segment always stays).</summary>
    private void DeleteConsumedSegments()
    {
        var consumed = Math.Min(_headSegment, _segments.Count - 1);
        for (var i = 0; i < consumed; i++)
        {
            _segments[i].Handle.Dispose();
            try
            {
                File.Delete(_segments[i].Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind, it is read again at the next open and skipped as delivered: wasted space, not data.
            }
        }

        _segments.RemoveRange(0, consumed);
        _headSegment -= consumed;
    }

    private static void ReadExactly(Segment segment, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            var read = RandomAccess.Read(segment.Handle, buffer, offset);
            if (read == 0)
            {
                throw new IOException($"{segment.Path} ended before the record at {offset} did.");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    private sealed class Segment(long index, string path, SafeFileHandle handle)
    {
        public long Index { get; } = index;

        public string Path { get; } = path;

        public SafeFileHandle Handle { get; } = handle;

        /// <summary>Where the next record goes (the tail) or the file's length (others).</summary>
        public long Length { get; set; }
    }
}
