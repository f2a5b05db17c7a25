using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Bench.Ingest;

/// <summary>
/// The heartbeat request's bytes without the serializer or HttpClient, so the load generator takes as little as it can
/// of the CPU it shares with the panel. Made once from the serializer's own output for a <see cref="FleetHeartbeat"/>:
/// its text split around the values that change from one request to the next (the server, the sample time, the
/// network counters, each container's uptime, CPU and memory, the heartbeat's id and seq). A connection's
/// <see cref="Request"/> writes the text and those values into a _buffer of its own, then the request line and headers in
/// front of it: the same bytes the serializer would write for the same heartbeat (HeartbeatTemplateTests).
/// </summary>
internal sealed class HeartbeatTemplate
{
    /// <summary>Room in front of the body for the request line and the headers.</summary>
    private const int HeadRoom = 512;

    private readonly Part[] _parts;
    private readonly byte[] _tail;
    private readonly byte[][] _serverIds;
    private readonly byte[][] _heads;
    private readonly int _bodyCapacity;

    private HeartbeatTemplate(Part[] parts, byte[] tail, byte[][] serverIds, byte[][] heads)
    {
        _parts = parts;
        _tail = tail;
        _serverIds = serverIds;
        _heads = heads;
        // A number is at most 20 digits, a double's shortest form 24 characters, a string slot one id.
        _bodyCapacity = _parts.Sum(p => p.Text.Length + 32) + _tail.Length + _serverIds.Max(id => id.Length);
    }

    public int ServerCount => _serverIds.Length;

    /// <param name="host">the Host header (the panel's host and port)</param>
    /// <param name="servers">the registered servers: their id and agent token</param>
    public static HeartbeatTemplate Create(string host, IReadOnlyList<(string Id, string Token)> servers)
    {
        if (servers.Count == 0)
        {
            throw new ArgumentException("no server to send heartbeats for", nameof(servers));
        }

        var reference = JsonSerializer.SerializeToUtf8Bytes(
            FleetHeartbeat.Create(servers[0].Id, 1, 1, DateTimeOffset.UnixEpoch, new string('0', 26)), ContractsJsonContext.Default.Heartbeat);
        var _parts = new List<Part>();
        var reader = new Utf8JsonReader(reference);
        var literalStart = 0;
        var section = "";
        var container = -1;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == 2 && section == "containers")
            {
                container++;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var depth = reader.CurrentDepth;
            var name = reader.GetString();
            if (depth == 1)
            {
                section = name!;
            }

            reader.Read();
            Slot? slot = (depth, section, name) switch
            {
                (1, _, "server_id") => Slot.ServerId,
                (1, _, "timestamp") => Slot.Timestamp,
                (1, _, "heartbeat_id") => Slot.HeartbeatId,
                (1, _, "seq") => Slot.Seq,
                (2, "metrics", "network_in_bytes") => Slot.NetworkIn,
                (2, "metrics", "network_out_bytes") => Slot.NetworkOut,
                (3, "containers", "uptime_seconds") => Slot.Uptime,
                (3, "containers", "cpu_percent") => Slot.ContainerCpu,
                (3, "containers", "memory_mb") => Slot.Memory,
                _ => null,
            };
            if (slot is null)
            {
                continue;
            }

            // A string's slot is its text inside the quotes, which stay in the literal text.
            var valueStart = (int)reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0);
            _parts.Add(new Part(reference[literalStart..valueStart], slot.Value, container));
            literalStart = valueStart + reader.ValueSpan.Length;
        }

        return new HeartbeatTemplate(
            [.. _parts],
            reference[literalStart..],
            servers.Select(s => Encoding.ASCII.GetBytes(s.Id)).ToArray(),
            servers.Select(s => Encoding.ASCII.GetBytes(
                $"POST /api/agent/heartbeat HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {s.Token}\r\nContent-Type: application/json\r\nContent-Length: ")).ToArray());
    }

    /// <summary>A connection's own _buffer for its requests.</summary>
    public Request NewRequest() => new(this);

    private enum Slot
    {
        ServerId,
        Timestamp,
        NetworkIn,
        NetworkOut,
        Uptime,
        ContainerCpu,
        Memory,
        HeartbeatId,
        Seq,
    }

    /// <summary>The literal text before a slot, the slot, and the container it belongs to (−1 outside them).</summary>
    private readonly record struct Part(byte[] Text, Slot Slot, int Container);

    internal sealed class Request(HeartbeatTemplate template)
    {
        private readonly byte[] _buffer = new byte[HeadRoom + template._bodyCapacity];
        private readonly byte[] _timestamp = new byte[20];
        private long _timestampSecond = long.MinValue;

        /// <summary>The <paramref name="n"/>-th heartbeat, for server number <paramref name="server"/>: the whole request.</summary>
        public ArraySegment<byte> Write(int server, long n, long seq, DateTimeOffset now, string heartbeatId)
        {
            var body = _buffer.AsSpan(HeadRoom);
            var at = 0;
            foreach (var part in template._parts)
            {
                part.Text.CopyTo(body[at..]);
                at += part.Text.Length;
                var into = body[at..];
                at += part.Slot switch
                {
                    Slot.ServerId => Copy(template._serverIds[server], into),
                    Slot.Timestamp => Copy(Timestamp(now), into),
                    Slot.NetworkIn or Slot.NetworkOut => Number(n, into),
                    Slot.Uptime => Number(FleetHeartbeat.UptimeSeconds(part.Container, n), into),
                    Slot.ContainerCpu => Number(FleetHeartbeat.CpuPercent(part.Container, n), into),
                    Slot.Memory => Number(FleetHeartbeat.MemoryMb(part.Container, n), into),
                    Slot.HeartbeatId => Encoding.ASCII.GetBytes(heartbeatId, into),
                    Slot.Seq => Number(seq, into),
                    _ => throw new InvalidOperationException($"slot {part.Slot}"),
                };
            }

            template._tail.CopyTo(body[at..]);
            at += template._tail.Length;

            // The head goes right in front of the body: "...Content-Length: " from the server's head, the length, a blank line.
            Span<byte> length = stackalloc byte[24];
            var digits = Number(at, length);
            "\r\n\r\n"u8.CopyTo(length[digits..]);
            var head = template._heads[server];
            var start = HeadRoom - head.Length - digits - 4;
            head.CopyTo(_buffer.AsSpan(start));
            length[..(digits + 4)].CopyTo(_buffer.AsSpan(start + head.Length));
            return new ArraySegment<byte>(_buffer, start, HeadRoom - start + at);
        }

        // As the contract's converter writes it (UtcTimestamp): to the second, so made again once a second.
        private byte[] Timestamp(DateTimeOffset now)
        {
            var second = now.ToUnixTimeSeconds();
            if (second != _timestampSecond)
            {
                now.UtcDateTime.TryFormat(_timestamp, out _, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                _timestampSecond = second;
            }

            return _timestamp;
        }

        private static int Copy(byte[] text, Span<byte> into)
        {
            text.CopyTo(into);
            return text.Length;
        }

        private static int Number(long value, Span<byte> into) =>
            Utf8Formatter.TryFormat(value, into, out var written) ? written : throw new InvalidOperationException("no room for a number");

        // Utf8JsonWriter writes a double in its shortest round-trip form, as this does.
        private static int Number(double value, Span<byte> into) =>
            value.TryFormat(into, out var written, default, CultureInfo.InvariantCulture) ? written : throw new InvalidOperationException("no room for a number");
    }
}
