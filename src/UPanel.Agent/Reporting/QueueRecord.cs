using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace UPanel.Agent.Reporting;

/// <summary>
/// One record of the queue's segment files (<see cref="QueueLog"/>): a 40-byte header, then the heartbeat body as sent.
/// </summary>
/// <remarks>
/// Little-endian header: magic "UHQ1", payload length, seq, first live seq, dropped total, flags (0), CRC-32C of the
/// header's first 36 bytes and the payload. Every record carries the queue's state when it was written (everything
/// below <see cref="FirstLiveSeq"/> was delivered, rejected or dropped; <see cref="DroppedTotal"/> heartbeats were
/// dropped since the queue was created), so the last valid record is the whole state: nothing else is written. A
/// record without payload is a marker that only moves that state (written when a drain ends and at shutdown).
/// </remarks>
internal readonly record struct QueueRecord(long Seq, long FirstLiveSeq, long DroppedTotal, int PayloadLength)
{
    public const int HeaderSize = 40;
    public const uint Magic = 0x31514855; // "UHQ1"

    /// <summary>A heartbeat body is at most a few hundred KiB; a length beyond this is corruption, not a record.</summary>
    public const int MaxPayload = 8 * 1024 * 1024;

    public bool IsMarker => PayloadLength == 0;

    public int Size => HeaderSize + PayloadLength;

    /// <summary>Header and payload in one buffer, so one write puts the record down.</summary>
    public static byte[] Encode(long seq, long firstLiveSeq, long droppedTotal, ReadOnlySpan<byte> payload)
    {
        var buffer = new byte[HeaderSize + payload.Length];
        var header = buffer.AsSpan(0, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], seq);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], firstLiveSeq);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], droppedTotal);
        BinaryPrimitives.WriteUInt32LittleEndian(header[32..], 0);
        payload.CopyTo(buffer.AsSpan(HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(header[36..], Checksum(header[..36], payload));
        return buffer;
    }

    /// <summary>The header, when <paramref name="header"/> starts with the magic and a plausible length.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out QueueRecord record, out uint checksum)
    {
        record = default;
        checksum = 0;
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (length is < 0 or > MaxPayload || BinaryPrimitives.ReadUInt32LittleEndian(header[32..]) != 0)
        {
            return false;
        }

        record = new QueueRecord(
            BinaryPrimitives.ReadInt64LittleEndian(header[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[24..]),
            length);
        checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[36..]);
        return true;
    }

    public static uint Checksum(ReadOnlySpan<byte> header36, ReadOnlySpan<byte> payload) =>
        ~Crc32C(Crc32C(uint.MaxValue, header36), payload);

    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
