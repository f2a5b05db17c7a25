namespace UPanel.Panel.Pages.Charts;

/// <summary>One metric per bucket: the lowest, mean and highest sample (null: no sample in the bucket).</summary>
internal sealed record Band(double?[] Min, double?[] Avg, double?[] Max);
