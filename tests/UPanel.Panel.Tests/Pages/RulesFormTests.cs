using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api;
using UPanel.Panel.Pages;

namespace UPanel.Panel.Tests.Pages;

public sealed class RulesFormTests
{
    [Fact]
    public void Every_setting_has_its_field_in_the_form()
    {
        var all = AlertRuleSettings.Of(new AlertRules { Disabled = [AlertKind.LoadHigh], RepeatEvery = TimeSpan.FromHours(2), CpuPercent = 72.5, RestartLoopRestarts = 5, RestartLoopWindow = TimeSpan.FromMinutes(30) });
        var form = new FormCollection(JsonSerializer.SerializeToElement(all, PanelJsonContext.Default.AlertRuleSettings).EnumerateObject()
            .ToDictionary(p => p.Name, p => new StringValues(p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? p.Value.GetRawText() : p.Value.ToString())));

        var (settings, error) = RulesForm.Read(form);

        Assert.Null(error);
        Assert.Equal(all, settings);
    }

    [Fact]
    public void Blank_fields_are_left_out()
    {
        var (settings, error) = RulesForm.Read(new FormCollection(new() { ["cpu_percent"] = " 80 ", ["ram_high"] = "", ["repeat_every_seconds"] = "" }));

        Assert.Null(error);
        Assert.Equal(new AlertRuleSettings { CpuPercent = 80 }, settings);
    }

    [Theory]
    [InlineData("cpu_percent", "abc", "cpu_percent: must be a number (a dot for decimals) or blank")]
    [InlineData("cpu_percent", "9,5", "cpu_percent: must be a number (a dot for decimals) or blank")]
    [InlineData("cpu_percent", "101", "cpu_percent: must be a finite number between 10 and 100")]
    [InlineData("cpu_for_seconds", "1.5", "cpu_for_seconds: must be a whole number or blank")]
    [InlineData("offline_after_intervals", "1", "offline_after_intervals: must be between 2 and 100")]
    [InlineData("server_offline", "maybe", "server_offline: must be on, off or blank")]
    [InlineData("repeat_every_seconds", "5", "repeat_every_seconds: must be 0 (never) or between 60 and 604800")]
    [InlineData("restart_loop_restarts", "2.5", "restart_loop_restarts: must be a whole number or blank")]
    [InlineData("restart_loop_window_seconds", "30", "restart_loop_window_seconds: must be between 60 and 86400")]
    public void A_bad_field_is_named_with_the_apis_message(string field, string value, string message)
    {
        var (settings, error) = RulesForm.Read(new FormCollection(new() { [field] = value }));

        Assert.Null(settings);
        Assert.Equal((field, message), (error!.Field, error.Message));
    }
}
