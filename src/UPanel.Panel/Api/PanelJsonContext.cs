using System.Text.Json.Serialization;
using UPanel.Contracts;
using UPanel.Panel.Api.Admin;

namespace UPanel.Panel.Api;

/// <summary>Source-generated JSON for the panel's own (admin) shapes, with the wire's conventions.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 16)]
[JsonSerializable(typeof(IReadOnlyList<ContainerInfo>))]
[JsonSerializable(typeof(ServerView))]
[JsonSerializable(typeof(ServerList))]
[JsonSerializable(typeof(HeartbeatPage))]
[JsonSerializable(typeof(ContainerList))]
[JsonSerializable(typeof(InstallTokenRequest))]
[JsonSerializable(typeof(InstallTokenResponse))]
[JsonSerializable(typeof(RotateTokenResponse))]
[JsonSerializable(typeof(ServerSettingsRequest))]
[JsonSerializable(typeof(AlertChannelRequest))]
[JsonSerializable(typeof(AlertChannelView))]
[JsonSerializable(typeof(AlertChannelList))]
[JsonSerializable(typeof(UPanel.Panel.Alerts.EmailSettings))]
[JsonSerializable(typeof(AlertEventList))]
[JsonSerializable(typeof(Alerts.AlertRuleSettings))]
[JsonSerializable(typeof(ServerAlertRules))]
[JsonSerializable(typeof(MuteRequest))]
[JsonSerializable(typeof(MuteView))]
[JsonSerializable(typeof(MuteList))]
[JsonSerializable(typeof(ChannelTestResult))]
[JsonSerializable(typeof(DeliveryList))]
internal sealed partial class PanelJsonContext : JsonSerializerContext;
