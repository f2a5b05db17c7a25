using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Reporting;

public sealed class HeartbeatIdTests
{
    private static readonly DateTimeOffset Time = new(2026, 1, 15, 10, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Id_is_a_ulid_carrying_the_sample_time()
    {
        var id = HeartbeatId.New(Time);

        Assert.Equal(26, id.Length);
        Assert.True(Ulid.TryParse(id, out var parsed));
        Assert.Equal(Time, parsed.Time);
        Assert.Equal(id, parsed.ToString());
    }

    [Fact]
    public void Ids_sort_by_time()
    {
        var earlier = HeartbeatId.New(Time);
        var later = HeartbeatId.New(Time.AddMilliseconds(1));

        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Fact]
    public void Ids_of_the_same_millisecond_differ()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => HeartbeatId.New(Time)).ToHashSet();

        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public void Known_bytes_encode_as_crockford_base32()
    {
        // All-zero randomness at Unix ms 0 is the ULID of zeros; the ULID spec's example time prefix checks the rest.
        Assert.Equal("00000000000000000000000000", HeartbeatId.New(DateTimeOffset.UnixEpoch, new ZeroRandom()));
        Assert.StartsWith("01ARYZ6S41", HeartbeatId.New(DateTimeOffset.FromUnixTimeMilliseconds(1469918176385), new ZeroRandom()), StringComparison.Ordinal);
    }

    private sealed class ZeroRandom : Random
    {
        public override void NextBytes(Span<byte> buffer) => buffer.Clear();
    }
}
