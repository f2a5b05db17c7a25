namespace UPanel.Bench.Ingest;

internal static class Percentile
{
    /// <summary>Nearest rank: the smallest value with at least <paramref name="p"/> of the samples at or below it; NaN for none.</summary>
    public static double NearestRank(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
