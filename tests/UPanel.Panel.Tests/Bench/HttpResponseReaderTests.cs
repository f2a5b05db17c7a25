using System.Text;
using UPanel.Bench.Ingest;

namespace UPanel.Panel.Tests.Bench;

/// <summary>
/// bench/Ingest's response reader: the load generator counts a request by the response it read, so a response read
/// short or long would misread every one after it on that connection.
/// </summary>
public sealed class HttpResponseReaderTests
{
    // As Kestrel answered a heartbeat and /healthz before the fifteenth pass of docs/decisions/ingest-throughput.md
    // (curl -v against the panel): chunked, no length. Both carry their length since; the reader takes either.
    private const string Heartbeat = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Mon, 07 Dec 2026 13:29:06 GMT\r\n"
        + "Cache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "50\r\n{\"status\":\"ok\",\"server_time\":\"2026-12-07T13:29:06Z\",\"next_heartbeat_seconds\":60}\r\n0\r\n\r\n";

    private const string Healthz = "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 13:29:06 GMT\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";

    private const string Refused = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\nWWW-Authenticate: Bearer\r\n\r\nnope!";

    [Fact]
    public void Responses_one_after_another_read_the_same_wherever_the_reads_split_them()
    {
        var bytes = Encoding.ASCII.GetBytes(Heartbeat + Refused + Healthz);
        HttpResponseHead[] expected = [new(200, true, 80), new(401, true, 5), new(200, true, 2)];
        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(expected, ReadAll(Peer(bytes[..split], bytes[split..])));
        }

        // One byte a read, and the reader's buffer smaller than a response.
        Assert.Equal(expected, ReadAll(Peer(bytes.Select(b => new[] { b }).ToArray()), bufferSize: 120));
    }

    [Fact]
    public void A_body_longer_than_the_buffer_is_skipped_by_its_content_length_and_the_next_response_follows()
    {
        var body = new string('x', 1000);
        var bytes = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\ncontent-length:  {body.Length} \r\n\r\n{body}" + Refused);

        Assert.Equal([new(200, true, 1000), new(401, true, 5)], ReadAll(Peer(Chunks(bytes, 7)), bufferSize: 64));
    }

    [Fact]
    public void Chunks_with_extensions_upper_case_sizes_and_trailers_are_skipped_whole()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
            + "A;name=value\r\n0123456789\r\n1\r\nx\r\n0\r\nExpires: never\r\nX-Trailer: 1\r\n\r\n" + Healthz);

        Assert.Equal([new(500, true, 11), new(200, true, 2)], ReadAll(Peer(Chunks(bytes, 3))));
    }

    [Fact]
    public void A_response_that_says_close_or_an_http_1_0_one_without_keep_alive_does_not_keep_the_connection()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"
            + "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"
            + "HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n");

        Assert.Equal([new(200, false, 0), new(200, false, 1), new(204, true, 0)], ReadAll(Peer(bytes)));
    }

    [Fact]
    public void A_body_without_a_length_runs_to_the_connections_end()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");

        Assert.Equal([new(200, false, 13)], ReadAll(Peer(Chunks(bytes, 5))));
    }

    [Fact]
    public void A_connection_closed_before_the_responses_end_or_a_malformed_response_is_an_error()
    {
        var whole = Encoding.ASCII.GetBytes(Heartbeat);
        for (var end = 0; end < whole.Length; end++)
        {
            var reader = new HttpResponseReader(Peer(whole[..end]));
            Assert.Throws<EndOfStreamException>(() => reader.Read());
        }

        foreach (var malformed in new[] { "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" })
        {
            var reader = new HttpResponseReader(Peer(Encoding.ASCII.GetBytes(malformed)));
            Assert.Throws<InvalidDataException>(() => reader.Read());
        }
    }

    [Fact]
    public void The_nearest_rank_percentile_is_the_smallest_sample_with_that_share_at_or_below_it()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        Assert.Equal(5, Percentile.NearestRank(sorted, 0.50));
        Assert.Equal(10, Percentile.NearestRank(sorted, 0.99));
        Assert.Equal(1, Percentile.NearestRank(sorted, 0));
        Assert.Equal(7, Percentile.NearestRank([7], 0.99));
        Assert.True(double.IsNaN(Percentile.NearestRank([], 0.5)));
    }

    /// <summary>Every response the peer sends, until the connection's end.</summary>
    private static List<HttpResponseHead> ReadAll(Receive peer, int bufferSize = 16 * 1024)
    {
        var reader = new HttpResponseReader(peer, bufferSize);
        var heads = new List<HttpResponseHead>();
        while (true)
        {
            try
            {
                heads.Add(reader.Read());
            }
            catch (EndOfStreamException)
            {
                return heads;
            }
        }
    }

    private static byte[][] Chunks(byte[] bytes, int size) => bytes.Chunk(size).ToArray();

    /// <summary>A peer that sends these pieces, one a read at most (a read may take less), then closes.</summary>
    private static Receive Peer(params byte[][] pieces)
    {
        var queue = new Queue<byte[]>(pieces.Where(p => p.Length > 0));
        return into =>
        {
            if (!queue.TryPeek(out var piece))
            {
                return 0;
            }

            var taken = Math.Min(piece.Length, into.Length);
            piece.AsSpan(0, taken).CopyTo(into);
            queue.Dequeue();
            if (taken < piece.Length)
            {
                var rest = piece[taken..];
                var others = queue.ToArray();
                queue.Clear();
                queue.Enqueue(rest);
                foreach (var other in others)
                {
                    queue.Enqueue(other);
                }
            }

            return taken;
        };
    }
}
