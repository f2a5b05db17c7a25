namespace UPanel.Panel.Pages.Charts;

/// <summary>
/// Count, lowest, highest and sum of one metric's values over some samples (nothing counted: <see cref="N"/> 0). Kept
/// as a sum, not a mean, so stats merge exactly: a chart bucket built from stored rollups averages like one built from
/// the raw samples.
/// </summary>
internal readonly record struct Stat(long N, double Min, double Max, double Sum)
{
    public static Stat Empty => default;

    /// <summary>One value; none for a missing or non-finite one (the charts skip those).</summary>
    public static Stat Of(double? value) => value is { } v && double.IsFinite(v) ? new Stat(1, v, v, v) : default;

    public Stat Add(double? value) => Merge(Of(value));

    public Stat Merge(Stat other) =>
        other.N == 0 ? this
        : N == 0 ? other
        : new Stat(N + other.N, Math.Min(Min, other.Min), Math.Max(Max, other.Max), Sum + other.Sum);
}
