using System.Text;
using System.Text.Json;
using UPanel.Bench.Ingest;
using UPanel.Contracts;

namespace UPanel.Panel.Tests.Bench;

/// <summary>
/// bench/Ingest's heartbeat template: each request's bytes are what the serializer writes for that heartbeat, whatever
/// the values' lengths, so the bench's bodies (and the bytes stored per heartbeat) are those of real heartbeats.
/// </summary>
public sealed class HeartbeatTemplateTests
{
    private static readonly (string Id, string Token)[] Servers =
    [
        ("01J0000000000000000000000A", new string('a', 64)),
        ("01J0000000000000000000000B", new string('b', 64)),
        ("server-with-a-longer-id-than-a-ulid", "short-token"),
    ];

    [Fact]
    public void Each_request_is_the_serializers_heartbeat_behind_its_servers_head_and_length()
    {
        var request = HeartbeatTemplate.Create("127.0.0.1:5000", Servers).NewRequest();
        var start = new DateTimeOffset(2026, 12, 7, 13, 59, 58, 750, TimeSpan.Zero);
        // Long values, then short ones: nothing of a longer request stays behind in the buffer.
        long[] ns = [1_234_567_890_123, 0, 9, 10, 99, 100, 12_345, 999_999, 3, 2_000_000_001];
        for (var i = 0; i < ns.Length; i++)
        {
            var server = i % Servers.Length;
            var now = start.AddSeconds(i * 0.75);
            var id = $"01JTEST{i:D19}";
            var written = request.Write(server, ns[i], seq: i * 1000L, now, id);

            var text = Encoding.ASCII.GetString(written);
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
            var body = written.AsSpan(headEnd).ToArray();
            var expected = JsonSerializer.SerializeToUtf8Bytes(FleetHeartbeat.Create(Servers[server].Id, ns[i], i * 1000L, now, id), ContractsJsonContext.Default.Heartbeat);
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(body));
            Assert.Equal(
                $"POST /api/agent/heartbeat HTTP/1.1\r\nHost: 127.0.0.1:5000\r\nAuthorization: Bearer {Servers[server].Token}\r\n"
                + $"Content-Type: application/json\r\nContent-Length: {expected.Length}\r\n\r\n",
                text[..headEnd]);
        }
    }

    [Fact]
    public void Heartbeats_written_one_after_another_read_back_as_distinct_heartbeats_of_their_servers()
    {
        var request = HeartbeatTemplate.Create("panel.localhost:80", Servers).NewRequest();
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var read = new List<Heartbeat>();
        for (var n = 0L; n < 30; n++)
        {
            var written = request.Write((int)(n % 2), n, seq: n / 2 + 1, now, $"01JDISTINCT{n:D15}");
            var headEnd = written.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
            read.Add(JsonSerializer.Deserialize(written.AsSpan(headEnd), ContractsJsonContext.Default.Heartbeat)!);
        }

        Assert.Equal(30, read.Select(h => h.HeartbeatId).Distinct().Count());
        Assert.All(read.Select((h, n) => (h, n)), x =>
        {
            Assert.Equal(Servers[x.n % 2].Id, x.h.ServerId);
            Assert.Equal(x.n / 2 + 1, x.h.Seq);
            Assert.Equal(now, x.h.Timestamp);
            Assert.Equal(x.n, x.h.Metrics.NetworkInBytes);
            Assert.Equal(20, x.h.Containers!.Count);
            Assert.Equal(FleetHeartbeat.CpuPercent(3, x.n), x.h.Containers[3].CpuPercent);
            Assert.Equal(FleetHeartbeat.MemoryMb(4, x.n), x.h.Containers[4].MemoryMb);
        });
        // The containers' figures change from one heartbeat to the next, as a real host's do.
        Assert.True(read.Select(h => h.Containers![0].CpuPercent).Distinct().Count() > 20);
    }
}
