using System.Text.Json.Serialization;
using UPanel.Panel.Pages.Charts;

namespace UPanel.Panel.Pages;

/// <summary>The JSON the pages poll: overview rows and chart series.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<OverviewRow>))]
[JsonSerializable(typeof(ChartSeries))]
internal sealed partial class PagesJsonContext : JsonSerializerContext;
