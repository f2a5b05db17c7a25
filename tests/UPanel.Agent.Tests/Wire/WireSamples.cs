using System.Runtime.CompilerServices;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

/// <summary>Values that stress JSON writing (escaping, number formats, timestamps) and the panel's captured answers.</summary>
internal static class WireSamples
{
    public static readonly string[] Texts =
    [
        "",
        "web-1",
        "naïve café ß",
        "日本語のホスト",
        "rocket 🚀 and 𝄞",
        "quote \" backslash \\ slash /",
        "<script>alert('x')</script> & + ` =",
        "control \u0001\u001f tab\t newline\n return\r",
        "separators \u2028\u2029 del \u007f nbsp \u00a0 bom \ufeff",
        new string('x', 5000),
    ];

    public static readonly double[] Doubles =
    [
        0, -0.0, 1, 100, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 23.456789012345678, 99.99999999999999, 1e-7, 5e-324,
        123456789.123456789, Math.PI * 1e15, 1.7976931348623157e308, -1.7976931348623157e308, 4.9406564584124654E-324,
    ];

    public static readonly long[] Longs = [0, 1, -1, 1023, int.MaxValue + 1L, long.MaxValue, long.MinValue];

    public static readonly DateTimeOffset[] Timestamps =
    [
        new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero),
        new(2026, 1, 15, 12, 30, 0, TimeSpan.FromHours(2)),
        new(2025, 12, 31, 23, 30, 59, TimeSpan.FromHours(-5.5)),
        new DateTimeOffset(2026, 1, 15, 10, 30, 59, TimeSpan.Zero).AddTicks(9_999_999),
        new(2024, 2, 29, 0, 0, 0, TimeSpan.FromHours(14)),
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
    ];

    /// <summary>A heartbeat whose every member is drawn from the arrays above (or null where nullable).</summary>
    public static Heartbeat Heartbeat(Random random, int containers)
    {
        return new Heartbeat
        {
            ServerId = Pick(random, Texts),
            Timestamp = Pick(random, Timestamps),
            Metrics = new HostMetrics
            {
                CpuPercent = Maybe(random, () => Pick(random, Doubles)),
                RamUsedMb = Maybe(random, () => Pick(random, Longs)),
                RamTotalMb = Maybe(random, () => Pick(random, Longs)),
                DiskUsedGb = Maybe(random, () => Pick(random, Longs)),
                DiskTotalGb = Maybe(random, () => Pick(random, Longs)),
                LoadAverage = random.Next(4) == 0 ? null : Enumerable.Range(0, random.Next(4)).Select(_ => Pick(random, Doubles)).ToArray(),
                NetworkInBytes = Maybe(random, () => Pick(random, Longs)),
                NetworkOutBytes = Maybe(random, () => Pick(random, Longs)),
            },
            Containers = containers < 0 ? null : Enumerable.Range(0, containers).Select(_ => Container(random)).ToList(),
            AgentVersion = Pick(random, Texts),
            HeartbeatId = random.Next(3) == 0 ? null : Pick(random, Texts),
            Seq = Maybe(random, () => Pick(random, Longs)),
        };
    }

    public static ContainerInfo Container(Random random) => new()
    {
        Id = Pick(random, Texts),
        Name = Pick(random, Texts),
        Image = Pick(random, Texts),
        Status = Pick(random, Texts),
        Health = Pick(random, Texts),
        UptimeSeconds = Pick(random, Longs),
        CpuPercent = Pick(random, Doubles),
        MemoryMb = Pick(random, Longs),
        RestartCount = Maybe(random, () => (int)(Pick(random, Longs) % int.MaxValue)),
        ExitCode = Maybe(random, () => random.Next(-1, 256)),
        OomKilled = Maybe(random, () => random.Next(2) == 0),
        FinishedAt = random.Next(3) == 0 ? null : Pick(random, Timestamps),
    };

    public static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    public static T? Maybe<T>(Random random, Func<T> value) where T : struct => random.Next(3) == 0 ? null : value();

    /// <summary>An answer captured from the real panel (Wire/Fixtures/panel, see its README).</summary>
    public static byte[] Panel(string name) => File.ReadAllBytes(PanelPath(name));

    /// <summary>An answer of a panel written from the seed alone (Wire/Fixtures/seed-panel, see its README).</summary>
    public static string SeedPanel(string name) => File.ReadAllText(SeedPanelPath(name));

    private static string SeedPanelPath(string name, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Fixtures", "seed-panel", name);

    public static string PanelPath(string name, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Fixtures", "panel", name);
}
