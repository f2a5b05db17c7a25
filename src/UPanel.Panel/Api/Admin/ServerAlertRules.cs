using UPanel.Panel.Alerts;

namespace UPanel.Panel.Api.Admin;

/// <summary>A server's own rule settings (<see cref="Own"/>: only what it overrides) and the settings in effect for it.</summary>
internal sealed record ServerAlertRules(string ServerId, AlertRuleSettings Own, AlertRuleSettings Effective);
