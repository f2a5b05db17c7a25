namespace UPanel.Agent.Reporting;

/// <summary>
/// ULIDs for <c>heartbeat_id</c>: 48-bit Unix milliseconds + 80 random bits, 26 characters of Crockford base32, so
/// they sort by sample time. Our own 30 lines instead of the Ulid package: its generator seeds from
/// RandomNumberGenerator, which maps OpenSSL's libcrypto into the process (≈ 3.4 MiB of RSS measured) for an id
/// that needs uniqueness, not secrecy.
/// </summary>
internal static class HeartbeatId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(DateTimeOffset time) => New(time, Random.Shared);

    internal static string New(DateTimeOffset time, Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)Math.Max(0, time.ToUnixTimeMilliseconds());
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)ms;
            ms >>= 8;
        }

        random.NextBytes(bytes[6..]);
        return Encode(bytes);
    }

    /// <summary>128 bits → 26 base32 characters, most significant first (the first character carries 3 bits).</summary>
    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = new UInt128(high, low);
        return string.Create(26, value, static (chars, v) =>
        {
            for (var i = 25; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(ulong)(v & 31)];
                v >>= 5;
            }
        });
    }
}
