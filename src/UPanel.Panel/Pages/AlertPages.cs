using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api;
using UPanel.Panel.Storage;
using static UPanel.Panel.Pages.Html;

namespace UPanel.Panel.Pages;

/// <summary>
/// The alerts page (firing first, then the history with filters, mutes and channels), a server page's alerts section
/// with its mute buttons, and the forms behind them (channels added and removed through the admin API's validation).
/// </summary>
internal sealed class AlertPages(AlertStore alerts, AlertEndpoints api, IPanelStore store, OneTimeNotice notices, TimeProvider time)
{
    public const int HistoryLength = 100;

    /// <summary>The <c>done</c> of the page adding a webhook redirects to: once its secret is gone, it says so.</summary>
    internal const string ChannelAdded = "channel-added";

    private const string SecretShownBefore =
        "<div class=\"notice\" id=\"channel-added-before\"><p>A webhook channel was added here, and its signing secret shown once, when this page first opened: " +
        "it is not kept, so it is not shown again. If you did not copy it, remove the channel and add it again for a new secret.</p></div>";

    /// <summary>The mute lengths the pages offer.</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> MuteLengths = new Dictionary<string, TimeSpan>
    {
        ["1h"] = TimeSpan.FromHours(1),
        ["4h"] = TimeSpan.FromHours(4),
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
    };

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/alerts", ([FromServices] AlertPages e, HttpContext context, [FromQuery] string? server, [FromQuery] string? kind, [FromQuery] string? done) =>
            e.AlertsAsync(context, server, kind, e.Notice(context) ?? (done == ChannelAdded ? SecretShownBefore : null)));
        pages.MapGet("/alerts/rules", ([FromServices] AlertPages e, HttpContext context) => e.RulesPageAsync(context, null, null, null, e.Notice(context)));
        pages.MapPost("/alerts/rules", ([FromServices] AlertPages e, HttpContext context) => e.SaveRulesAsync(context, null));
        pages.MapGet("/servers/{id}/rules", ([FromServices] AlertPages e, HttpContext context, string id) => e.RulesPageAsync(context, id, null, null, e.Notice(context)));
        pages.MapPost("/servers/{id}/rules", ([FromServices] AlertPages e, HttpContext context, string id) => e.SaveRulesAsync(context, id));
        pages.MapPost("/alert-channels", ([FromServices] AlertPages e, HttpContext context) => e.AddChannelAsync(context));
        pages.MapPost("/alert-channels/{id}/remove", ([FromServices] AlertPages e, HttpContext context, string id) => e.RemoveChannelAsync(context, id));
        pages.MapPost("/alert-channels/{id}/test", ([FromServices] AlertPages e, HttpContext context, string id) => e.TestChannelAsync(context, id));
        pages.MapPost("/servers/{id}/mutes", ([FromServices] AlertPages e, HttpContext context, string id, [FromForm] string? container, [FromForm(Name = "for")] string? length) =>
            e.MuteAsync(context, id, container, length));
        pages.MapPost("/mutes/{id}/end", ([FromServices] AlertPages e, HttpContext context, string id, [FromForm(Name = "return")] string? returnUrl) =>
            e.EndMuteAsync(context, id, returnUrl));
    }

    /// <summary>What the form posted just before said, shown by this GET only (<see cref="OneTimeNotice"/>).</summary>
    private string? Notice(HttpContext context) => notices.Take(context);

    /// <param name="typed">A refused channel form's values, shown again with <paramref name="channelError"/>'s field marked.</param>
    private async Task<IResult> AlertsAsync(
        HttpContext context, string? serverFilter, string? kindFilter, string? notice, IFormCollection? typed = null, ApiError? channelError = null)
    {
        var cancellationToken = context.RequestAborted;
        var now = time.GetUtcNow();
        serverFilter = serverFilter is { Length: > 0 and <= 64 } ? serverFilter : null;
        kindFilter = AlertNames.Parse(kindFilter) is { } kind ? AlertNames.Of(kind) : null;
        var firing = await alerts.ListFiringAsync(null, cancellationToken);
        var mutes = await alerts.ListMutesAsync(now, null, cancellationToken);
        var history = await alerts.ListEventsAsync(HistoryLength, cancellationToken, serverFilter, kindFilter);
        var channels = await alerts.ListChannelsAsync(cancellationToken);
        var servers = await store.ListServersAsync(cancellationToken);

        var deliveries = history.Count == 0 ? [] : await alerts.ListDeliveriesAsync(null, history.Min(e => e.Id), cancellationToken) ?? [];
        var sent = deliveries.ToLookup(d => d.EventId);

        var html = new StringBuilder("<h1>Alerts</h1>").Append(notice)
            .Append("<p class=\"hint\"><a href=\"/alerts/rules\" id=\"rules-link\">Alert rules</a>: what fires, when, and how often it is sent again.</p>");
        html.Append("<section><h2>Firing <span class=\"status").Append(firing.Count > 0 ? " offline" : " online").Append("\" id=\"firing-count\">").Append(firing.Count).Append("</span></h2>");
        if (firing.Count == 0)
        {
            html.Append("<p class=\"empty\" id=\"no-firing\">Nothing is firing.</p>");
        }
        else
        {
            html.Append("<table id=\"firing\"><thead><tr><th>Server</th><th>Alert</th><th>Container</th><th>Since</th><th>What</th></tr></thead><tbody>");
            foreach (var alert in firing)
            {
                html.Append("<tr><td>").Append(ServerLink(alert)).Append("</td><td>").Append(E(Label(alert.Kind)))
                    .Append(MutedTag(mutes, alert, now)).Append("</td><td>").Append(E(alert.Container ?? "—"))
                    .Append("</td><td>").Append(E(Ago(alert.At, now))).Append("<span class=\"ago\">").Append(E(Time(alert.At))).Append("</span></td><td>")
                    .Append(E(alert.Summary)).Append("</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        html.Append("</section><section><h2>History</h2><form method=\"get\" action=\"/alerts\" class=\"controls\" id=\"history-filter\">")
            .Append("<select name=\"server\" aria-label=\"Server\"><option value=\"\">All servers</option>");
        foreach (var server in servers.OrderBy(s => s.Hostname, StringComparer.OrdinalIgnoreCase))
        {
            html.Append("<option value=\"").Append(E(server.Id)).Append('"').Append(server.Id == serverFilter ? " selected" : "").Append('>').Append(E(server.Hostname)).Append("</option>");
        }

        html.Append("</select><select name=\"kind\" aria-label=\"Alert\"><option value=\"\">All alerts</option>");
        foreach (var name in Enum.GetValues<AlertKind>().Select(AlertNames.Of))
        {
            html.Append("<option value=\"").Append(name).Append('"').Append(name == kindFilter ? " selected" : "").Append('>').Append(E(Label(name))).Append("</option>");
        }

        html.Append("</select><button type=\"submit\">Filter</button><span class=\"hint\">the latest ").Append(HistoryLength).Append("</span></form>");
        if (history.Count == 0)
        {
            html.Append("<p class=\"empty\" id=\"no-history\">No alerts").Append(serverFilter is null && kindFilter is null ? " yet" : " match").Append(".</p>");
        }
        else
        {
            html.Append("<table id=\"history\"><thead><tr><th>When</th><th>Server</th><th>Alert</th><th>Container</th><th>State</th><th>What</th><th>Sent</th></tr></thead><tbody>");
            foreach (var e in history)
            {
                html.Append("<tr class=\"").Append(e.Firing ? "firing" : "resolved").Append("\"><td>").Append(E(Time(e.At))).Append("</td><td>").Append(ServerLink(e))
                    .Append("</td><td>").Append(E(Label(e.Kind))).Append("</td><td>").Append(E(e.Container ?? "—")).Append("</td><td>")
                    .Append(e.Firing ? "firing" : "resolved").Append(e.Muted ? "<span class=\"tag warn\">muted: not sent</span>" : "")
                    .Append("</td><td>").Append(E(e.Summary)).Append("</td><td>").Append(E(SentSummary([.. sent[e.Id]]))).Append("</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        html.Append("</section><section><h2>Mutes</h2>");
        AppendMutes(html, context, mutes, "/alerts", withServer: true);
        html.Append("<p class=\"hint\">Mute a server or one of its containers on its page. A muted alert is recorded here but not sent; if it still fires when the mute ends, it is sent then.</p></section>");

        html.Append("<section><h2>Channels</h2>");
        if (channels.Count == 0)
        {
            html.Append("<p class=\"empty\" id=\"no-channels\">No channels: alerts are recorded but sent nowhere. Add one below (or with <code>POST /api/admin/alert-channels</code>, docs/panel.md).</p>");
        }
        else
        {
            var antiforgery = Antiforgery(context);
            html.Append("<table id=\"channels\"><thead><tr><th>Kind</th><th>Where</th><th>Added</th><th></th></tr></thead><tbody>");
            foreach (var channel in channels)
            {
                html.Append("<tr><td>").Append(E(channel.Kind)).Append("</td><td>").Append(E(AlertEndpoints.View(channel).Url + (channel.Email is { } email ? " to " + string.Join(", ", email.To) : "")))
                    .Append("</td><td>").Append(E(Time(channel.CreatedAt))).Append("</td><td><form method=\"post\" action=\"/alert-channels/")
                    .Append(E(channel.Id)).Append("/test\" class=\"inline\">").Append(antiforgery)
                    .Append("<button type=\"submit\">Send test notification</button></form> <form method=\"post\" action=\"/alert-channels/")
                    .Append(E(channel.Id)).Append("/remove\" class=\"inline\">").Append(antiforgery)
                    .Append("<button type=\"submit\" class=\"remove\">Remove</button></form></td></tr>");
            }

            html.Append("</tbody></table>");
        }

        AppendChannelForm(html, context, typed, channelError);
        html.Append("</section>");
        return Page(context, "Alerts", html.ToString(), status: channelError is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    /// <summary>Add a channel: the admin API's fields, validated by the same code, so a refusal names the same field.</summary>
    private static void AppendChannelForm(StringBuilder html, HttpContext context, IFormCollection? typed, ApiError? error)
    {
        string Value(string field) => typed?[field].ToString() ?? "";
        string Field(string name, string label, string hint = "") =>
            $"<label>{E(label)} <input type=\"text\" name=\"{name}\" value=\"{E(Value(name))}\"{(FieldOf(error) == name ? " aria-invalid=\"true\" class=\"invalid\"" : "")}>{(hint.Length > 0 ? $" <span class=\"hint\">{E(hint)}</span>" : "")}</label> ";
        string Choice(string name, string label, string[] options) =>
            $"<label>{E(label)} <select name=\"{name}\"{(FieldOf(error) == name ? " aria-invalid=\"true\" class=\"invalid\"" : "")}>"
            + string.Concat(options.Select(o => $"<option value=\"{o}\"{(Value(name) == o ? " selected" : "")}>{o}</option>")) + "</select></label> ";

        html.Append("<h3>Add a channel</h3>");
        if (error is not null)
        {
            html.Append("<div class=\"notice error\" id=\"channel-result\"><p>Not added: ").Append(E(error.Message)).Append("</p></div>");
        }

        html.Append("<form method=\"post\" action=\"/alert-channels\" id=\"add-channel\">").Append(Antiforgery(context))
            .Append("<p>").Append(Choice("kind", "Kind", ["webhook", "slack", "discord", "ntfy", "email"])).Append("</p>")
            .Append("<p>").Append(Field("url", "URL", "webhook, Slack, Discord, ntfy")).Append(Field("secret", "Secret", "webhook; made when blank")).Append("</p>")
            .Append("<p>").Append(Field("host", "SMTP host")).Append(Field("port", "Port", "587, or 465 with implicit TLS"))
            .Append(Choice("tls", "TLS", ["starttls", "implicit"])).Append("</p>")
            .Append("<p>").Append(Field("from", "From")).Append(Field("to", "To", "comma-separated")).Append(Field("username", "Username", "password: UPANEL_SMTP_PASSWORD"))
            .Append(Field("ca_file", "CA file", "PEM, for a private CA")).Append("</p>")
            .Append("<p><button type=\"submit\">Add channel</button></p></form>");
    }

    /// <summary><c>to[1]</c> is the <c>to</c> field of the form.</summary>
    private static string? FieldOf(ApiError? error) => error?.Field is { } field && field.StartsWith("to[", StringComparison.Ordinal) ? "to" : error?.Field;

    private async Task<IResult> AddChannelAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? Text(string field) => form[field].ToString().Trim() is { Length: > 0 } text ? text : null;
        var email = Text("kind") == "email";
        int? port = null;
        if (email && Text("port") is { } portText)
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                return await AlertsAsync(context, null, null, null, form, ApiError.BadField("port", "must be a whole number between 1 and 65535"));
            }

            port = number;
        }

        // The form has every kind's fields: only the chosen kind's are sent on, as the API takes them.
        var request = new Api.Admin.AlertChannelRequest
        {
            Kind = Text("kind"),
            Url = email ? null : Text("url"),
            Secret = email ? null : Text("secret"),
            Host = email ? Text("host") : null,
            Port = port,
            Tls = email ? Text("tls") : null,
            From = email ? Text("from") : null,
            To = email && Text("to") is { } to ? [.. to.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : null,
            Username = email ? Text("username") : null,
            CaFile = email ? Text("ca_file") : null,
        };
        var (channel, error) = await api.AddChannelAsync(request, context.RequestAborted);
        if (channel is null)
        {
            return await AlertsAsync(context, null, null, null, form, error);
        }

        // A webhook's secret is shown once, as the API's answer shows it.
        return channel.Secret is { } secret
            ? notices.Redirect(
                context, "/alerts", ChannelAdded,
                $"<div class=\"notice\" id=\"channel-result\"><p>Channel added. Its signing secret, shown only now: <code id=\"channel-secret\">{E(secret)}</code></p></div>")
            : notices.Redirect(context, "/alerts", null, "<div class=\"notice\" id=\"channel-result\"><p>Channel added.</p></div>");
    }

    private async Task<IResult> RemoveChannelAsync(HttpContext context, string id)
    {
        var notice = await api.RemoveChannelAsync(id, context.RequestAborted)
            ? "<div class=\"notice\" id=\"channel-result\"><p>Channel removed, with what it had not delivered.</p></div>"
            : "<div class=\"notice error\" id=\"channel-result\"><p>There is no such channel (any more).</p></div>";
        return notices.Redirect(context, "/alerts", null, notice);
    }

    /// <summary>A server page's alerts: what fires on it, its mutes, and the form to mute it or one of its containers.</summary>
    public async Task AppendServerAsync(StringBuilder html, HttpContext context, string serverId, IReadOnlyList<ContainerInfo>? containers)
    {
        var now = time.GetUtcNow();
        var firing = await alerts.ListFiringAsync(serverId, context.RequestAborted);
        var mutes = await alerts.ListMutesAsync(now, serverId, context.RequestAborted);
        html.Append("<section id=\"alerts\"><h2>Alerts</h2>");
        if (firing.Count == 0)
        {
            html.Append("<p class=\"hint\" id=\"server-no-firing\">Nothing is firing on this server.</p>");
        }
        else
        {
            html.Append("<ul id=\"server-firing\">");
            foreach (var alert in firing)
            {
                html.Append("<li><strong>").Append(E(Label(alert.Kind))).Append("</strong>").Append(MutedTag(mutes, alert, now)).Append(" · ")
                    .Append(E(alert.Summary)).Append(" <span class=\"hint\">since ").Append(E(Time(alert.At))).Append("</span></li>");
            }

            html.Append("</ul>");
        }

        AppendMutes(html, context, mutes, $"/servers/{serverId}#alerts", withServer: false);
        html.Append("<form method=\"post\" action=\"/servers/").Append(E(serverId)).Append("/mutes\" id=\"mute\" class=\"controls\">").Append(Antiforgery(context))
            .Append("<select name=\"container\" aria-label=\"What to mute\"><option value=\"\">The whole server</option>");
        foreach (var name in (containers ?? []).Select(c => c.Name).Order(StringComparer.OrdinalIgnoreCase))
        {
            html.Append("<option value=\"").Append(E(name)).Append("\">Container ").Append(E(name)).Append("</option>");
        }

        html.Append("</select><select name=\"for\" aria-label=\"For how long\">");
        foreach (var length in MuteLengths.Keys)
        {
            html.Append("<option value=\"").Append(length).Append("\">for ").Append(length).Append("</option>");
        }

        html.Append("</select><button type=\"submit\">Mute</button><span class=\"hint\">Maintenance: alerts are recorded, not sent.</span></form>")
            .Append("<p class=\"hint\"><a href=\"/alerts?server=").Append(E(serverId)).Append("\">This server's alert history</a> · <a href=\"/servers/")
            .Append(E(serverId)).Append("/rules\" id=\"server-rules-link\">Its alert rules</a></p></section>");
    }

    /// <summary>The panel-wide rules (<paramref name="serverId"/> null) or a server's own, as a form.</summary>
    private async Task<IResult> RulesPageAsync(HttpContext context, string? serverId, IFormCollection? typed, ApiError? error, string? notice)
    {
        var cancellationToken = context.RequestAborted;
        var panel = await alerts.GetRuleSettingsAsync(AlertStore.PanelScope, cancellationToken);
        var html = new StringBuilder();
        string form;
        if (serverId is null)
        {
            html.Append("<p class=\"crumbs\"><a href=\"/alerts\">Alerts</a> ›</p><h1>Alert rules</h1>")
                .Append("<p class=\"hint\">For every server, unless its own rules (on its page) say otherwise.</p>");
            form = RulesForm.Render(context, "/alerts/rules", "default", panel, AlertRuleSettings.Of(new AlertRules()), typed, error);
        }
        else if (serverId.Length <= 64 && await store.GetServerAsync(serverId, cancellationToken) is { } server)
        {
            html.Append("<p class=\"crumbs\"><a href=\"/\">Servers</a> › <a href=\"/servers/").Append(E(server.Id)).Append("\">").Append(E(server.Hostname))
                .Append("</a> ›</p><h1>Alert rules of ").Append(E(server.Hostname)).Append("</h1><p class=\"hint\">Blank fields follow the <a href=\"/alerts/rules\">panel-wide rules</a>.</p>");
            form = RulesForm.Render(
                context, $"/servers/{server.Id}/rules", "panel-wide", await alerts.GetRuleSettingsAsync(server.Id, cancellationToken), AlertRuleSettings.Of(panel.Apply(new AlertRules())), typed, error);
        }
        else
        {
            return Page(context, "No such server", "<h1>No such server</h1><p><a href=\"/\">Back to the servers</a>.</p>", status: StatusCodes.Status404NotFound);
        }

        html.Append(notice).Append(form);
        return Page(context, "Alert rules", html.ToString(), status: error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private async Task<IResult> SaveRulesAsync(HttpContext context, string? serverId)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (settings, error) = RulesForm.Read(form);
        if (settings is null)
        {
            return await RulesPageAsync(context, serverId, form, error, null);
        }

        return await api.SaveRulesAsync(serverId, settings, context.RequestAborted) is null
            ? await RulesPageAsync(context, serverId, null, null, null)
            : notices.Redirect(context, serverId is null ? "/alerts/rules" : $"/servers/{serverId}/rules", null, "<div class=\"notice\" id=\"rules-result\"><p>Saved.</p></div>");
    }

    private async Task<IResult> TestChannelAsync(HttpContext context, string id)
    {
        var result = await api.SendTestAsync(id, context.RequestAborted);
        var notice = result switch
        {
            null => "<div class=\"notice error\" id=\"test-result\"><p>There is no such channel (any more).</p></div>",
            { Delivered: true } => "<div class=\"notice\" id=\"test-result\"><p>Test notification delivered: the channel answered with success.</p></div>",
            { Error: var error } => $"<div class=\"notice error\" id=\"test-result\"><p>Test notification not delivered: {E(error)}.</p></div>",
        };
        return notices.Redirect(context, "/alerts", null, notice);
    }

    /// <summary>An alert's notifications in a few words: <c>delivered</c>, or the worst state with the channel's last answer.</summary>
    internal static string SentSummary(IReadOnlyList<Delivery> deliveries)
    {
        if (deliveries.Count == 0)
        {
            return "—";
        }

        if (deliveries.All(d => d.State == "delivered"))
        {
            return deliveries.Count == 1 ? "delivered" : $"delivered ({deliveries.Count})";
        }

        var worst = deliveries.OrderBy(d => d.State switch { "failed" => 0, "retrying" => 1, "pending" => 2, _ => 3 }).First();
        return worst.LastError is { } error ? $"{worst.State}: {error}" : worst.State;
    }

    private async Task<IResult> MuteAsync(HttpContext context, string id, string? container, string? length)
    {
        if (length is null || !MuteLengths.TryGetValue(length, out var span))
        {
            return NotMuted(context, id, "Choose how long: 1h, 4h, 24h or 7d.");
        }

        var (mute, error) = await api.MuteAsync(id, container is { Length: > 0 } ? container : null, time.GetUtcNow() + span, context.RequestAborted);
        return mute is not null
            ? TypedResults.Redirect($"/servers/{Uri.EscapeDataString(mute.ServerId)}#alerts")
            : NotMuted(context, id, error?.Message ?? "There is no such server.");
    }

    private static IResult NotMuted(HttpContext context, string id, string message) =>
        Page(
            context,
            "Not muted",
            $"<h1>Not muted</h1><p class=\"error\" id=\"mute-error\">{E(message)}</p><p><a href=\"/servers/{E(Uri.EscapeDataString(id))}\">Back to the server</a></p>",
            status: StatusCodes.Status400BadRequest);

    private async Task<IResult> EndMuteAsync(HttpContext context, string id, string? returnUrl)
    {
        await api.EndMuteAsync(id, context.RequestAborted);
        return TypedResults.Redirect(PageEndpoints.LocalUrl(returnUrl));
    }

    private static void AppendMutes(StringBuilder html, HttpContext context, IReadOnlyList<StoredMute> mutes, string returnUrl, bool withServer)
    {
        if (mutes.Count == 0)
        {
            html.Append("<p class=\"hint\" id=\"no-mutes\">No mutes.</p>");
            return;
        }

        var antiforgery = Antiforgery(context);
        html.Append("<table id=\"mutes\"><thead><tr>").Append(withServer ? "<th>Server</th>" : "").Append("<th>Muted</th><th>Until</th><th></th></tr></thead><tbody>");
        foreach (var stored in mutes)
        {
            html.Append("<tr>");
            if (withServer)
            {
                html.Append("<td><a href=\"/servers/").Append(E(stored.Mute.ServerId)).Append("\">").Append(E(stored.Hostname)).Append("</a></td>");
            }

            html.Append("<td>").Append(stored.Mute.Container is { } container ? $"container {E(container)}" : "the whole server").Append("</td><td>")
                .Append(E(Time(stored.Mute.Until))).Append("</td><td><form method=\"post\" action=\"/mutes/").Append(E(stored.Id)).Append("/end\" class=\"inline\">")
                .Append(antiforgery).Append("<input type=\"hidden\" name=\"return\" value=\"").Append(E(returnUrl)).Append("\">")
                .Append("<button type=\"submit\">End now</button></form></td></tr>");
        }

        html.Append("</tbody></table>");
    }

    private static string MutedTag(IReadOnlyList<StoredMute> mutes, AlertEvent alert, DateTimeOffset now) =>
        mutes.FirstOrDefault(m => m.Mute.Covers(alert.ServerId, alert.Container, now)) is { } mute
            ? $"<span class=\"tag warn\">muted until {E(Time(mute.Mute.Until))}</span>"
            : "";

    private static string ServerLink(AlertEvent alert) => $"<a href=\"/servers/{E(alert.ServerId)}\">{E(alert.Hostname)}</a>";

    /// <summary><c>container_oom_killed</c> → "Container OOM killed".</summary>
    internal static string Label(string kind)
    {
        var words = kind.Split('_').Select(w => w is "cpu" or "ram" or "oom" ? w.ToUpperInvariant() : w).ToArray();
        var text = string.Join(' ', words);
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }
}
