using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api;
using static UPanel.Panel.Pages.Html;

namespace UPanel.Panel.Pages;

/// <summary>
/// The rule settings as a form (panel-wide on /alerts/rules, a server's own on its rules page): one field per
/// <see cref="AlertRuleSettings"/> field under its JSON name, blank for inherited. What is typed goes through the same
/// JSON shape and validation as the admin API, so a page names the same field with the same message.
/// </summary>
internal static class RulesForm
{
    private enum FieldType
    {
        Switch,
        Number,
        Whole,
    }

    /// <summary>Per rule: its switch, its level (field, unit) and its duration field, where it has them.</summary>
    private static readonly (string Label, string Switch, (string Field, string Unit)? Level, string? For)[] Rules =
    [
        ("Server offline", "server_offline", ("offline_after_intervals", "intervals"), null),
        ("CPU high", "cpu_high", ("cpu_percent", "%"), "cpu_for_seconds"),
        ("RAM high", "ram_high", ("ram_percent", "%"), "ram_for_seconds"),
        ("Disk high", "disk_high", ("disk_percent", "%"), "disk_for_seconds"),
        ("Load high", "load_high", ("load_per_core", "× cores"), "load_for_seconds"),
        ("Disk full forecast", "disk_full_forecast", null, null),
        ("Agent not at its target version", "agent_behind", null, "agent_behind_for_seconds"),
        ("Clock skew (held 5 min)", "clock_skew", ("clock_skew_seconds", "s off"), null),
        ("Token failures (3 refused heartbeats naming the server within 15 min)", "token_failures", null, null),
        ("Container exited", "container_exited", null, null),
        ("Container OOM killed", "container_oom_killed", null, null),
        ("Container unhealthy", "container_unhealthy", null, "unhealthy_for_seconds"),
        ("Container restart loop (restarts within s)", "container_restart_loop", ("restart_loop_restarts", "restarts"), "restart_loop_window_seconds"),
        ("Container disappeared", "container_disappeared", null, null),
    ];

    private const string Repeat = "repeat_every_seconds";

    private static readonly Dictionary<string, FieldType> Fields = BuildFields();

    /// <param name="own">What this scope sets (shown in the fields).</param>
    /// <param name="inherited">What applies where a field is blank (shown as placeholders).</param>
    /// <param name="typed">The values a refused post carried, shown again instead of <paramref name="own"/>.</param>
    public static string Render(HttpContext context, string action, string inheritedFrom, AlertRuleSettings own, AlertRuleSettings inherited, IFormCollection? typed, ApiError? error)
    {
        var ownValues = Values(own);
        var inheritedValues = Values(inherited);
        string Value(string field) => typed is not null ? typed[field].ToString() : ownValues.GetValueOrDefault(field, "");

        var html = new StringBuilder();
        if (error is not null)
        {
            html.Append("<div class=\"notice error\" id=\"rules-result\"><p>Not saved: ").Append(E(error.Message)).Append("</p></div>");
        }

        html.Append("<form method=\"post\" action=\"").Append(E(action)).Append("\" id=\"rules\">").Append(Antiforgery(context))
            .Append("<table class=\"rules\"><thead><tr><th>Rule</th><th>On</th><th>Level</th><th>For (s)</th></tr></thead><tbody>");
        foreach (var (label, on, level, duration) in Rules)
        {
            var current = Value(on);
            html.Append("<tr><td>").Append(E(label)).Append("</td><td><select name=\"").Append(on).Append('"').Append(Invalid(on, error)).Append('>')
                .Append("<option value=\"\">").Append(E(inheritedFrom)).Append(" (").Append(inheritedValues[on] == "true" ? "on" : "off").Append(")</option>")
                .Append("<option value=\"true\"").Append(current == "true" ? " selected" : "").Append(">on</option>")
                .Append("<option value=\"false\"").Append(current == "false" ? " selected" : "").Append(">off</option></select></td><td>");
            if (level is (var field, var unit))
            {
                Input(html, field, Value(field), inheritedValues[field], error);
                html.Append(' ').Append(E(unit));
            }

            html.Append("</td><td>");
            if (duration is not null)
            {
                Input(html, duration, Value(duration), inheritedValues[duration], error);
            }

            html.Append("</td></tr>");
        }

        html.Append("</tbody></table><p><label>Send a firing alert again every ");
        Input(html, Repeat, Value(Repeat), inheritedValues[Repeat], error);
        html.Append(" s (0: never)</label></p><p><button type=\"submit\">Save rules</button> <span class=\"hint\">A blank field follows ")
            .Append(E(inheritedFrom)).Append(", shown greyed.</span></p></form>");
        return html.ToString();
    }

    /// <summary>The posted form as settings (blank fields left out), or the first field that is not right.</summary>
    public static (AlertRuleSettings? Settings, ApiError? Error) Read(IFormCollection form)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (field, type) in Fields)
            {
                var text = form[field].ToString().Trim();
                if (text.Length == 0)
                {
                    continue;
                }

                switch (type)
                {
                    case FieldType.Switch when text is "true" or "false":
                        writer.WriteBoolean(field, text == "true");
                        break;
                    case FieldType.Number when double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number):
                        writer.WriteNumber(field, number);
                        break;
                    case FieldType.Whole when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var whole):
                        writer.WriteNumber(field, whole);
                        break;
                    default:
                        return (null, ApiError.BadField(field, type switch
                        {
                            FieldType.Switch => "must be on, off or blank",
                            FieldType.Number => "must be a number (a dot for decimals) or blank",
                            _ => "must be a whole number or blank",
                        }));
                }
            }

            writer.WriteEndObject();
        }

        var settings = JsonSerializer.Deserialize(buffer.ToArray(), PanelJsonContext.Default.AlertRuleSettings)!;
        return settings.Validate() is { } error ? (null, error) : (settings, null);
    }

    private static void Input(StringBuilder html, string field, string value, string placeholder, ApiError? error) =>
        html.Append("<input type=\"text\" inputmode=\"decimal\" size=\"6\" name=\"").Append(field).Append("\" value=\"").Append(E(value))
            .Append("\" placeholder=\"").Append(E(placeholder)).Append('"').Append(Invalid(field, error)).Append('>');

    private static string Invalid(string field, ApiError? error) => error?.Field == field ? " aria-invalid=\"true\" class=\"invalid\"" : "";

    /// <summary>Each field's value as a form shows it; a field not set is absent.</summary>
    private static Dictionary<string, string> Values(AlertRuleSettings settings)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in JsonSerializer.SerializeToElement(settings, PanelJsonContext.Default.AlertRuleSettings).EnumerateObject())
        {
            values[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => property.Value.GetRawText(),
            };
        }

        return values;
    }

    private static Dictionary<string, FieldType> BuildFields()
    {
        var fields = new Dictionary<string, FieldType>(StringComparer.Ordinal);
        foreach (var (_, on, level, duration) in Rules)
        {
            fields[on] = FieldType.Switch;
            if (level is (var field, _))
            {
                fields[field] = field is "offline_after_intervals" or "restart_loop_restarts" or "clock_skew_seconds" ? FieldType.Whole : FieldType.Number;
            }

            if (duration is not null)
            {
                fields[duration] = FieldType.Whole;
            }
        }

        fields[Repeat] = FieldType.Whole;
        return fields;
    }
}
