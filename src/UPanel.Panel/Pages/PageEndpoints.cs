using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api;
using UPanel.Panel.Api.Admin;
using UPanel.Panel.Api.Auth;
using UPanel.Panel.Hosting;
using UPanel.Panel.Pages.Charts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;
using static UPanel.Panel.Pages.Html;

namespace UPanel.Panel.Pages;

/// <summary>
/// The pages a person opens: sign-in, the fleet overview, one server (facts, charts, containers, admin actions) and
/// add-a-server. Rendered here as HTML; the overview and the charts poll small JSON endpoints under <c>/ui</c>.
/// </summary>
internal sealed class PageEndpoints(IPanelStore store, AdminEndpoints admin, AlertStore alerts, AlertPages alertPages, InstallTokenIssuer installTokens, OneTimeNotice notices, PanelOptions options, TimeProvider time)
{
    public static readonly IReadOnlyDictionary<string, TimeSpan> Ranges = new Dictionary<string, TimeSpan>
    {
        ["1h"] = TimeSpan.FromHours(1),
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
        ["30d"] = TimeSpan.FromDays(30),
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/assets/{name}", (string name, HttpContext context) => Assets.Serve(name, context)).ExcludeFromDescription();
        app.MapGet("/signin", (HttpContext context, [FromQuery(Name = "return")] string? returnUrl) => SignInPage(context, returnUrl, null))
            .ExcludeFromDescription();
        app.MapPost("/signin", ([FromServices] PageEndpoints e, HttpContext context, [FromForm] string? key, [FromForm(Name = "return")] string? returnUrl) =>
                e.SignInAsync(context, key, returnUrl))
            .ExcludeFromDescription();

        var pages = app.MapGroup("")
            .RequireAuthorization(AuthSchemes.Pages)
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .ExcludeFromDescription();
        pages.MapPost("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(AuthSchemes.Cookie);
            OneTimeNotice.Clear(context);
            return TypedResults.Redirect("/signin");
        });
        pages.MapGet("/", ([FromServices] PageEndpoints e, HttpContext context) => e.OverviewAsync(context));
        pages.MapGet("/ui/servers.json", ([FromServices] PageEndpoints e, CancellationToken cancellationToken) => e.OverviewRowsAsync(cancellationToken));
        pages.MapGet("/servers/new", ([FromServices] PageEndpoints e, HttpContext context, [FromQuery] string? done) =>
            AddServerPage(context, e.Notice(context) ?? (done == InstallTokenCreated ? InstallTokenShownBefore : null)));
        pages.MapPost("/servers/new", ([FromServices] PageEndpoints e, HttpContext context) => e.CreateInstallTokenAsync(context));
        pages.MapGet("/servers/{id}", ([FromServices] PageEndpoints e, HttpContext context, string id, [FromQuery] string? done) =>
            e.DetailAsync(context, id, e.Notice(context) ?? (done == TokenRotated ? TokenShownBefore : null)));
        pages.MapGet("/ui/servers/{id}/series", ([FromServices] PageEndpoints e, string id, [FromQuery] string? range, CancellationToken cancellationToken) =>
            e.SeriesAsync(id, range, cancellationToken));
        pages.MapPost("/servers/{id}/rotate-token", ([FromServices] PageEndpoints e, HttpContext context, string id) => e.RotateAsync(context, id));
        pages.MapPost("/servers/{id}/revoke", ([FromServices] PageEndpoints e, HttpContext context, string id) => e.RevokeAsync(context, id));
        pages.MapPost("/servers/{id}/settings", ([FromServices] PageEndpoints e, HttpContext context, string id, [FromForm] string? interval, [FromForm] string? target) =>
            e.SettingsAsync(context, id, interval, target));
        AlertPages.Map(pages);
    }

    /// <summary>The <c>done</c> of the page a rotation redirects to: once its token is gone, it says so.</summary>
    internal const string TokenRotated = "token-rotated";

    /// <summary>The <c>done</c> of the page an install token's creation redirects to.</summary>
    internal const string InstallTokenCreated = "install-token-created";

    private const string TokenShownBefore =
        "<div class=\"notice\" id=\"rotated-before\"><p>The agent token was rotated here, and the new token shown once, when this page first opened: " +
        "it is not kept, so it is not shown again. Unless the server is revoked, the agent receives it with its next heartbeat by itself. " +
        "To deliver a token by hand, rotate again below: that makes another one and shows it once.</p></div>";

    private const string InstallTokenShownBefore =
        "<div class=\"notice\" id=\"install-before\"><p>An install token was created here, and shown once, when this page first opened: " +
        "it is not kept, so it is not shown again. It works until it expires or its server sends a first heartbeat. " +
        "If you did not copy the command, create another token below.</p></div>";

    /// <summary>
    /// Middleware after <c>UseAntiforgery</c>, which only marks a bad token: a form post that carries none or a wrong one
    /// stops here. It cannot be an endpoint filter: binding a handler's <c>[FromForm]</c> parameters comes first and
    /// throws on a marked request (a 500).
    /// </summary>
    public static Task RejectForgedFormsAsync(HttpContext context, RequestDelegate next) =>
        context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }
            ? Page(
                context,
                "Form expired",
                "<h1>This form has expired</h1><p>Go back, reload the page and try again.</p>",
                signedIn: context.User.Identity?.IsAuthenticated == true,
                status: StatusCodes.Status400BadRequest).ExecuteAsync(context)
            : next(context);

    private static IResult SignInPage(HttpContext context, string? returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        var body = new StringBuilder("<section class=\"signin\"><h1>Sign in</h1>");
        if (error is not null)
        {
            body.Append("<p class=\"error\" id=\"signin-error\">").Append(E(error)).Append("</p>");
        }

        body.Append("<form method=\"post\" action=\"/signin\">").Append(Antiforgery(context))
            .Append("<input type=\"hidden\" name=\"return\" value=\"").Append(E(LocalUrl(returnUrl))).Append("\">")
            .Append("<label for=\"key\">Admin key</label><input type=\"password\" id=\"key\" name=\"key\" autocomplete=\"current-password\" required autofocus>")
            .Append("<button type=\"submit\">Sign in</button></form>")
            .Append("<p class=\"hint\">The admin key is <code>UPANEL_ADMIN_KEY</code>, or the one the panel generated at its first start in ")
            .Append("<code>DATA_DIR/admin-key</code> (<code>sudo cat</code> it on the panel's host).</p></section>");
        return Page(context, "Sign in", body.ToString(), signedIn: false, status: status);
    }

    private async Task<IResult> SignInAsync(HttpContext context, string? key, string? returnUrl)
    {
        var throttle = context.RequestServices.GetRequiredService<SignInThrottle>();
        var address = context.Connection.RemoteIpAddress;
        if (await throttle.RetryAfterAsync(address, context.RequestAborted) is { } wait)
        {
            var seconds = (long)Math.Ceiling(wait.TotalSeconds);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return SignInPage(context, returnUrl, $"Too many failed sign-ins from this address: try again in {Duration(seconds)}.", StatusCodes.Status429TooManyRequests);
        }

        if (!context.RequestServices.GetRequiredService<AdminGuard>().IsAuthorized(key?.Trim()))
        {
            await throttle.FailedAsync(address, context.RequestAborted);
            return SignInPage(context, returnUrl, "That is not the admin key.", StatusCodes.Status401Unauthorized);
        }

        await throttle.SucceededAsync(address, context.RequestAborted);
        await context.SignInAsync(AuthSchemes.Cookie, AdminBearerHandler.AdminPrincipal(AuthSchemes.Cookie));
        return TypedResults.LocalRedirect(LocalUrl(returnUrl));
    }

    /// <summary>What the form posted just before said, shown by this GET only (<see cref="OneTimeNotice"/>).</summary>
    private string? Notice(HttpContext context) => notices.Take(context);

    /// <summary>Only a path on this panel: a return URL elsewhere would make the sign-in page an open redirect.</summary>
    internal static string LocalUrl(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";

    private async Task<IResult> OverviewAsync(HttpContext context)
    {
        var servers = await store.ListServersAsync(context.RequestAborted);
        if (servers.Count == 0)
        {
            return Page(context, "Servers", """
                <h1>Servers</h1>
                <section class="empty" id="empty"><h2>No servers yet</h2>
                <p>Add the first one: <a href="/servers/new">create an install token</a> and run the command it shows on the server.</p></section>
                """);
        }

        return Page(context, "Servers", """
            <h1>Servers</h1>
            <div class="controls">
              <input type="search" id="filter" placeholder="Filter by name" aria-label="Filter by name">
              <select id="status-filter" aria-label="Status"><option value="">All statuses</option><option>online</option><option>stale</option><option>offline</option><option value="never_seen">never seen</option><option>revoked</option></select>
              <select id="sort" aria-label="Sort"><option value="problems">Problems first</option><option value="name">Name</option></select>
              <span class="updated" id="updated"></span>
            </div>
            <table class="servers" id="servers"><thead><tr><th>Server</th><th>Status</th><th>Agent</th><th>Containers</th><th>CPU</th><th>RAM</th><th>Disk</th><th>Load</th></tr></thead>
            <tbody></tbody></table>
            """);
    }

    private async Task<Ok<IReadOnlyList<OverviewRow>>> OverviewRowsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var servers = await store.ListServersAsync(cancellationToken);
        var firing = (await alerts.ListFiringAsync(null, cancellationToken)).CountBy(a => a.ServerId).ToDictionary();
        var rules = await alerts.RulesForEveryServerAsync(cancellationToken);
        IReadOnlyList<OverviewRow> rows = [.. servers.Select(s => Row(s, now, firing.GetValueOrDefault(s.Id), rules(s.Id).OfflineAfterIntervals)).OrderBy(r => r.Rank).ThenBy(r => r.Hostname, StringComparer.OrdinalIgnoreCase)];
        return TypedResults.Ok(rows);
    }

    /// <param name="firing">How many alerts fire on the server.</param>
    /// <param name="offlineAfterIntervals">The server's rule setting: offline after this many intervals.</param>
    internal static OverviewRow Row(ServerRecord server, DateTimeOffset now, int firing, int offlineAfterIntervals)
    {
        var view = AdminEndpoints.View(server, now, offlineAfterIntervals);
        var status = PageStatus(view, now);
        var (unhealthy, exited, restarting) = server.LatestContainerCounts;
        var metrics = server.LatestMetrics;
        return new OverviewRow
        {
            Id = view.Id,
            Hostname = view.Hostname,
            Status = status,
            Rank = status switch
            {
                "offline" => 0,
                "stale" => 1,
                "online" when unhealthy + restarting + firing > 0 => 2,
                "online" when exited > 0 => 3,
                "never_seen" => 4,
                "online" => 5,
                _ => 6,
            },
            LastSeenSecondsAgo = view.LastSeenAt is { } seen ? (long)Math.Max(0, (now - seen).TotalSeconds) : null,
            AgentVersion = view.AgentVersion,
            TargetAgentVersion = view.TargetAgentVersion,
            Behind = view.TargetAgentVersion is { Length: > 0 } target && !string.Equals(target, view.AgentVersion, StringComparison.Ordinal),
            ContainerCount = view.ContainerCount,
            DockerUnreachable = server.LatestSampleAt is not null && server.LatestContainerCount is null,
            Unhealthy = unhealthy,
            Exited = exited,
            Restarting = restarting,
            CpuPercent = metrics?.CpuPercent,
            RamUsedMb = metrics?.RamUsedMb,
            RamTotalMb = metrics?.RamTotalMb,
            DiskUsedGb = metrics?.DiskUsedGb,
            DiskTotalGb = metrics?.DiskTotalGb,
            Load1 = metrics?.LoadAverage is [var load1, ..] ? load1 : null,
            Firing = firing,
        };
    }

    /// <summary>The API's status, with "stale" for an online server that missed a heartbeat (more than two intervals).</summary>
    internal static string PageStatus(ServerView view, DateTimeOffset now) =>
        view.Status == "online" && view.LastSeenAt is { } seen && now - seen > TimeSpan.FromSeconds(2 * view.NextHeartbeatSeconds) ? "stale" : view.Status;

    private async Task<IResult> DetailAsync(HttpContext context, string id, string? notice)
    {
        var server = id.Length <= 64 ? await store.GetServerAsync(id, context.RequestAborted) : null;
        if (server is null)
        {
            return Page(context, "No such server", "<h1>No such server</h1><p>It may have been removed. <a href=\"/\">Back to the servers</a>.</p>", status: StatusCodes.Status404NotFound);
        }

        var now = time.GetUtcNow();
        var view = AdminEndpoints.View(server, now, (await alerts.RulesForAsync(server.Id, context.RequestAborted)).OfflineAfterIntervals);
        var latest = await store.GetLatestHeartbeatAsync(server.Id, context.RequestAborted);
        var status = PageStatus(view, now);
        var html = new StringBuilder();
        html.Append("<p class=\"crumbs\"><a href=\"/\">Servers</a> ›</p>")
            .Append("<h1>").Append(E(view.Hostname)).Append(" <span class=\"status ").Append(status).Append("\" id=\"status\">").Append(E(status.Replace('_', ' '))).Append("</span></h1>");
        if (notice is not null)
        {
            html.Append(notice);
        }

        html.Append("<section class=\"facts\">")
            .Append("<div><span class=\"label\">Last heartbeat</span><span class=\"value\" id=\"last-heartbeat\">").Append(E(Ago(view.LastSeenAt, now)))
            .Append("</span><span class=\"sub\">").Append(E(Time(view.LastSeenAt))).Append("</span></div>")
            .Append("<div><span class=\"label\">Agent version</span><span class=\"value\" id=\"agent-version\">").Append(E(view.AgentVersion)).Append("</span><span class=\"sub\">")
            .Append(view.TargetAgentVersion is { Length: > 0 } target
                ? (target == view.AgentVersion ? "at the target version" : $"target {E(target)}: update offered")
                : "no target version set")
            .Append("</span></div>")
            .Append("<div><span class=\"label\">Containers</span><span class=\"value\" id=\"container-count\">")
            .Append(latest is null ? "—" : latest.Containers is null ? "Docker not reachable" : latest.Containers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append("</span><span class=\"sub\">").Append(latest is null ? "no heartbeat yet" : latest.Containers is null ? "on this server" : "in the latest heartbeat").Append("</span></div>")
            .Append("</section>");
        html.Append("<p class=\"host\">").Append(E(view.OsVersion)).Append(" · ").Append(view.CpuCores).Append(" cores · ")
            .Append(view.RamMb).Append(" MiB RAM · ").Append(view.DiskGb).Append(" GiB disk · heartbeat every ").Append(view.NextHeartbeatSeconds).Append(" s · id <code>")
            .Append(E(view.Id)).Append("</code></p>");

        // What the agent itself reported about its queue and clock (docs/sending.md).
        if (latest?.ClockSkewSeconds is { } skew && Math.Abs(skew) > 60)
        {
            html.Append("<p class=\"error\" id=\"clock-skew\">This server's clock is ").Append(Math.Abs(skew))
                .Append(" s ").Append(skew > 0 ? "behind" : "ahead of").Append(" the panel's: its heartbeat times are off by as much. Run time sync on it (systemd-timesyncd, chrony).</p>");
        }

        if (latest?.DroppedHeartbeats is > 0 and var dropped)
        {
            html.Append("<p class=\"hint\" id=\"dropped\">Its agent has dropped ").Append(dropped)
                .Append(" heartbeats in all (its queue was full during a long outage): the history has gaps there.</p>");
        }

        if (view.Status == "never_seen")
        {
            html.Append("<p class=\"empty\" id=\"never-seen\">This server registered but has not sent a heartbeat yet. Check the agent on it: <code>upanel-agent check</code>.</p>");
        }
        else if (view.Status == "revoked")
        {
            html.Append("<p class=\"error\" id=\"revoked\">Revoked ").Append(E(Time(view.RevokedAt))).Append(": its agent's heartbeats are refused. Rotating the token gives it a new one to deliver by hand.</p>");
        }

        html.Append("<section class=\"charts\" id=\"charts\" data-server=\"").Append(E(view.Id)).Append("\"><div class=\"ranges\" role=\"group\" aria-label=\"Range\">");
        foreach (var range in Ranges.Keys)
        {
            html.Append("<button type=\"button\" data-range=\"").Append(range).Append("\"").Append(range == "1h" ? " class=\"active\"" : "").Append('>').Append(range).Append("</button>");
        }

        html.Append("<span class=\"hint\" id=\"chart-note\"></span></div>");
        foreach (var (chart, title) in new[] { ("cpu", "CPU %"), ("ram", "RAM (MiB)"), ("disk", "Disk (GiB)"), ("load", "Load (1 min)"), ("net", "Network (bytes/s)") })
        {
            html.Append("<figure><figcaption>").Append(title).Append("</figcaption><div class=\"chart\" id=\"chart-").Append(chart).Append("\"></div></figure>");
        }

        html.Append("</section>");
        await alertPages.AppendServerAsync(html, context, view.Id, latest?.Containers);
        AppendContainers(html, latest);
        AppendAdmin(html, context, view);
        return Page(context, view.Hostname, html.ToString());
    }

    private static void AppendContainers(StringBuilder html, Heartbeat? latest)
    {
        html.Append("<section><h2>Containers</h2>");
        if (latest is null)
        {
            html.Append("<p class=\"empty\">No heartbeat yet.</p></section>");
            return;
        }

        if (latest.Containers is null)
        {
            html.Append("<p class=\"empty\" id=\"docker-unreachable\">Docker not reachable on this server: the agent could not ask its engine (socket missing, refused or hung).</p></section>");
            return;
        }

        if (latest.Containers.Count == 0)
        {
            html.Append("<p class=\"empty\">No containers on this server.</p></section>");
            return;
        }

        html.Append("<table class=\"containers\" id=\"containers\"><thead><tr><th>Name</th><th>Image</th><th>Status</th><th>Health</th><th>Uptime</th><th>CPU</th><th>Memory</th></tr></thead><tbody>");
        foreach (var container in ContainerOrder(latest.Containers))
        {
            var health = container.Health ?? "unknown";
            html.Append("<tr class=\"").Append(E(container.Status)).Append(' ').Append(E(health)).Append("\"><td>").Append(E(container.Name)).Append("</td><td>").Append(E(container.Image))
                .Append("</td><td>").Append(E(container.Status)).Append(container.ExitCode is { } code && container.Status is "exited" or "dead" ? $" ({code})" : "")
                .Append("</td><td>").Append(E(health)).Append("</td><td>").Append(E(Duration(container.Status == "running" ? container.UptimeSeconds : null)))
                .Append("</td><td>").Append(container.CpuPercent.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)).Append(" %</td><td>")
                .Append(container.MemoryMb).Append(" MiB</td></tr>");
        }

        html.Append("</tbody></table></section>");
    }

    /// <summary>Unhealthy, restarting, exited/dead first, then the rest; by name within each.</summary>
    internal static IEnumerable<ContainerInfo> ContainerOrder(IEnumerable<ContainerInfo> containers) =>
        containers.OrderBy(c => c.Health == "unhealthy" ? 0 : c.Status == "restarting" ? 1 : c.Status is "exited" or "dead" ? 2 : 3)
            .ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase);

    private static void AppendAdmin(StringBuilder html, HttpContext context, ServerView view)
    {
        var id = E(view.Id);
        var antiforgery = Antiforgery(context);
        html.Append("<section class=\"admin\"><h2>Admin</h2>")
            .Append("<form method=\"post\" action=\"/servers/").Append(id).Append("/settings\" id=\"settings\">").Append(antiforgery)
            .Append("<label>Heartbeat interval (s) <input type=\"number\" name=\"interval\" min=\"5\" max=\"3600\" required value=\"").Append(view.NextHeartbeatSeconds).Append("\"></label>")
            .Append("<label>Target agent version <input type=\"text\" name=\"target\" maxlength=\"64\" placeholder=\"none\" value=\"").Append(E(view.TargetAgentVersion)).Append("\"></label>")
            .Append("<button type=\"submit\">Save settings</button><span class=\"hint\">The agent gets the interval with its next heartbeat; a target version it does not run makes it offer the update.</span></form>")
            .Append("<form method=\"post\" action=\"/servers/").Append(id).Append("/rotate-token\" id=\"rotate\" data-confirm=\"Rotate the agent token of ").Append(E(view.Hostname))
            .Append("? The agent gets the new token with its next heartbeat; its current token keeps working until then (at most 24 h).\">").Append(antiforgery)
            .Append("<button type=\"submit\">Rotate agent token</button><span class=\"hint\">A new token reaches the agent with its next heartbeat (or by SSH); the current one keeps working until then.</span></form>");
        if (view.Status != "revoked")
        {
            html.Append("<form method=\"post\" action=\"/servers/").Append(id).Append("/revoke\" id=\"revoke\" data-confirm=\"Revoke ").Append(E(view.Hostname))
                .Append("? Its agent is refused at once. This cannot be undone: only rotating gives it a new token, which you must then put on the server yourself.\">")
                .Append(antiforgery).Append("<button type=\"submit\" class=\"danger\">Revoke</button><span class=\"hint\">Refuses this server's agent at once. Cannot be undone.</span></form>");
        }

        html.Append("</section>");
    }

    private async Task<IResult> RotateAsync(HttpContext context, string id)
    {
        var rotated = await admin.RotateAsync(id, context.RequestAborted);
        if (rotated is null)
        {
            return await DetailAsync(context, id, null);
        }

        var notice = rotated.PreviousTokenValidUntil is { } until
            ? $"<div class=\"notice\" id=\"rotated\"><p>Token rotated. The agent receives the new token with its next heartbeat and switches to it by itself; its current token keeps working until then (at most until {E(Time(until))}).</p>"
            : "<div class=\"notice\" id=\"rotated\"><p>Token rotated. This server is revoked, so nothing delivers it: put it on the server yourself.</p>";
        // `docker restart` keeps the environment the container was created with: only a re-created one reads the .env again.
        notice += "<p>To deliver it by SSH instead: set <code>AGENT_TOKEN</code> in <code>/opt/upanel-agent/.env</code> to the token below, then " +
                  "have the agent read it: <code>cd /opt/upanel-agent &amp;&amp; docker compose up -d</code> (re-creates the container; " +
                  "<code>docker restart</code> keeps the old token), or <code>systemctl restart upanel-agent</code> without Docker. It is shown only now.</p>" +
                  $"<pre><code id=\"new-token\">{E(rotated.AgentToken)}</code></pre></div>";
        return notices.Redirect(context, $"/servers/{rotated.ServerId}", TokenRotated, notice);
    }

    private async Task<IResult> RevokeAsync(HttpContext context, string id)
    {
        var revoked = await admin.RevokeServerAsync(id, context.RequestAborted);
        return revoked is null
            ? await DetailAsync(context, id, null)
            : notices.Redirect(context, $"/servers/{revoked.Id}", null, "<div class=\"notice\" id=\"revoked-notice\"><p>Revoked: the agent's heartbeats are refused from now on.</p></div>");
    }

    private async Task<IResult> SettingsAsync(HttpContext context, string id, string? interval, string? target)
    {
        int? seconds = int.TryParse(interval, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
        if (seconds is null)
        {
            return await DetailAsync(context, id, "<div class=\"notice error\" id=\"settings-result\"><p>Heartbeat interval: a whole number of seconds from 5 to 3600.</p></div>");
        }

        var (changed, error) = await admin.ApplySettingsAsync(id, new ServerSettingsRequest { NextHeartbeatSeconds = seconds, TargetAgentVersion = target?.Trim() ?? "" }, context.RequestAborted);
        return error is not null
            ? await DetailAsync(context, id, $"<div class=\"notice error\" id=\"settings-result\"><p>Not saved: {E(error.Message)}</p></div>")
            : changed is null
                ? await DetailAsync(context, id, null)
                : notices.Redirect(context, $"/servers/{changed.Id}", null, "<div class=\"notice\" id=\"settings-result\"><p>Saved. The agent gets the new interval with its next heartbeat.</p></div>");
    }

    private static IResult AddServerPage(HttpContext context, string? result) =>
        Page(context, "Add a server", new StringBuilder("<h1>Add a server</h1>")
            .Append(result ?? "")
            .Append("<form method=\"post\" action=\"/servers/new\" id=\"new-token-form\">").Append(Antiforgery(context))
            .Append("<p>An install token registers one server. It works for 24 hours and is spent once the server has sent its first heartbeat.</p>")
            .Append("<button type=\"submit\">Create an install token</button></form>").ToString());

    private async Task<IResult> CreateInstallTokenAsync(HttpContext context)
    {
        var (token, expiresAt) = await installTokens.CreateAsync(options.DefaultInstallTokenLifetime, context.RequestAborted);
        var panel = PanelUrl.Of(options, context.Request);
        var result = new StringBuilder("<div class=\"notice\" id=\"install\"><p>Run this on the new server as root (Docker needed; the token expires ")
            .Append(E(Time(expiresAt))).Append("):</p>")
            .Append("<pre><code id=\"install-command\">curl -fsSL ").Append(E(panel)).Append("/install.sh | sudo sh -s -- --token ").Append(E(token)).Append("</code></pre>")
            .Append("<p>Without Docker, with the <code>upanel-agent</code> binary installed (add <code>--systemd</code> to the line above to have the script do it):</p>")
            .Append("<pre><code id=\"register-command\">sudo INSTALL_TOKEN=").Append(E(token)).Append(" upanel-agent register --panel-url ").Append(E(panel))
            .Append("\nsudo upanel-agent run</code></pre><p>The server appears on the <a href=\"/\">overview</a> with its first heartbeat.</p>")
            .Append(AddressWarning(panel)).Append("</div>");
        return notices.Redirect(context, "/servers/new", InstallTokenCreated, result.ToString());
    }

    /// <summary>
    /// The commands carry the address this page was asked at (or --public-url): one another server cannot use, or
    /// one the agent refuses (plain http beyond loopback), is said here rather than by a failed install there.
    /// </summary>
    internal static string AddressWarning(string panel)
    {
        if (!Uri.TryCreate(panel, UriKind.Absolute, out var uri))
        {
            return "";
        }

        // The agent's own test (ConfigLoader): plain http only where Uri.IsLoopback holds, so not to *.localhost names.
        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            return $"<p class=\"hint\" id=\"address-warning\">The agent refuses {E(panel)}: it sends its token over plain http only to loopback. " +
                   "Put a TLS terminator (a reverse proxy with a certificate) in front of the panel and start the panel with " +
                   "<code>--public-url https://…</code> and <code>--trusted-proxies</code> (docs/panel.md), then create the token again.</p>";
        }

        return uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? $"<p class=\"hint\" id=\"address-warning\">{E(panel)} reaches this panel from its own machine only: right for an agent there, " +
              "but another server would try to reach itself. Start the panel with <code>--public-url https://panel.example.com</code> " +
              "(or <code>UPANEL_PUBLIC_URL</code>), the address your servers reach it at, and create the token again.</p>"
            : "";
    }

    private async Task<Results<Ok<ChartSeries>, ErrorResult>> SeriesAsync(string id, string? range, CancellationToken cancellationToken)
    {
        if (!Ranges.TryGetValue(range ?? "1h", out var span))
        {
            return new ErrorResult(ApiError.BadField("range", "must be 1h, 24h, 7d or 30d"));
        }

        var server = id.Length <= 64 ? await store.GetServerAsync(id, cancellationToken) : null;
        if (server is null)
        {
            return ErrorResult.NoSuchServer;
        }

        var window = SeriesWindow.For(span, time.GetUtcNow(), server.NextHeartbeatSeconds);
        var history = await store.GetHistoryAsync(server.Id, window.ReadFrom, window.ReadTo, window.Bucket, cancellationToken);
        return TypedResults.Ok(window.Build(history));
    }
}
