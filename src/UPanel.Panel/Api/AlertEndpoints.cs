using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api.Admin;
using UPanel.Panel.Api.Auth;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Api;

/// <summary>The alerts under <c>/api/admin</c>: the rules' settings, where notifications go (channels) and what fired or resolved.</summary>
internal sealed class AlertEndpoints(AlertStore alerts, AlertService service, NotificationSender sender, IPanelStore store, PanelOptions options, TimeProvider time)
{
    public const int MaxEventsPage = 1000;

    public static readonly TimeSpan MaxMute = TimeSpan.FromDays(90);

    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin")
            .RequireAuthorization(AuthSchemes.AdminApi)
            .WithGroupName(AdminEndpoints.GroupName)
            .WithTags("alerts")
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound);
        admin.MapGet("/alert-rules", ([FromServices] AlertEndpoints e, CancellationToken cancellationToken) => e.GetPanelRulesAsync(cancellationToken))
            .WithName("GetAlertRules").WithSummary("The panel-wide rule settings in effect (defaults where none are set)");
        admin.MapPut("/alert-rules", ([FromServices] AlertEndpoints e, HttpContext context) => e.SetPanelRulesAsync(context))
            .WithName("SetAlertRules").WithSummary("Replace the panel-wide rule settings: fields left out take their defaults")
            .AcceptsJson<AlertRuleSettings>();
        admin.MapGet("/servers/{id}/alert-rules", ([FromServices] AlertEndpoints e, string id, CancellationToken cancellationToken) => e.GetServerRulesAsync(id, cancellationToken))
            .WithName("GetServerAlertRules").WithSummary("A server's own rule settings and those in effect for it");
        admin.MapPut("/servers/{id}/alert-rules", ([FromServices] AlertEndpoints e, string id, HttpContext context) => e.SetServerRulesAsync(id, context))
            .WithName("SetServerAlertRules").WithSummary("Replace a server's own rule settings: fields left out follow the panel-wide settings")
            .AcceptsJson<AlertRuleSettings>();
        admin.MapPost("/servers/{id}/mutes", ([FromServices] AlertEndpoints e, string id, HttpContext context) => e.AddMuteAsync(id, context))
            .WithName("MuteServer").WithSummary("Maintenance: no notifications for the server, or one container by name, until a time (alerts are still recorded)")
            .AcceptsJson<MuteRequest>();
        admin.MapGet("/mutes", ([FromServices] AlertEndpoints e, CancellationToken cancellationToken) => e.ListMutesAsync(cancellationToken))
            .WithName("ListMutes").WithSummary("The mutes not yet ended, soonest end first");
        admin.MapDelete("/mutes/{id}", ([FromServices] AlertEndpoints e, string id, CancellationToken cancellationToken) => e.DeleteMuteAsync(id, cancellationToken))
            .WithName("DeleteMute").WithSummary("End a mute now: an alert still firing that it held back is sent");
        admin.MapPost("/alert-channels", ([FromServices] AlertEndpoints e, HttpContext context) => e.AddChannelAsync(context))
            .WithName("AddAlertChannel").WithSummary("Send alerts to a webhook (JSON signed with HMAC-SHA256 of X-UPanel-Timestamp and the body in X-UPanel-Signature), Slack, Discord, ntfy or e-mail (SMTP with STARTTLS)")
            .AcceptsJson<AlertChannelRequest>();
        admin.MapGet("/alert-channels", ([FromServices] AlertEndpoints e, CancellationToken cancellationToken) => e.ListChannelsAsync(cancellationToken))
            .WithName("ListAlertChannels").WithSummary("The notification channels (URLs up to their host, no secrets or passwords)");
        admin.MapDelete("/alert-channels/{id}", ([FromServices] AlertEndpoints e, string id, CancellationToken cancellationToken) => e.DeleteChannelAsync(id, cancellationToken))
            .WithName("DeleteAlertChannel").WithSummary("Remove a channel and what it has not delivered yet");
        admin.MapPost("/alert-channels/{id}/test", ([FromServices] AlertEndpoints e, string id, CancellationToken cancellationToken) => e.TestChannelAsync(id, cancellationToken))
            .WithName("TestAlertChannel").WithSummary("Send a test notification (kind test, id 0, not recorded) now and say whether the channel took it");
        admin.MapGet(
                "/alerts",
                ([FromServices] AlertEndpoints e, [FromQuery, Description("how many, 1 to 1000 (default 100)")] string? limit, CancellationToken cancellationToken) =>
                    e.ListEventsAsync(limit, cancellationToken))
            .WithName("ListAlerts").WithSummary("Alerts that fired or resolved, newest first");
        admin.MapGet("/alerts/{id}/deliveries", ([FromServices] AlertEndpoints e, string id, CancellationToken cancellationToken) => e.ListDeliveriesAsync(id, cancellationToken))
            .WithName("ListAlertDeliveries").WithSummary("An alert's delivery log: per channel and repeat, delivered, retrying (with the channel's answer), failed or pending");
    }

    private async Task<Ok<AlertRuleSettings>> GetPanelRulesAsync(CancellationToken cancellationToken) =>
        TypedResults.Ok(AlertRuleSettings.Of((await alerts.GetRuleSettingsAsync(AlertStore.PanelScope, cancellationToken)).Apply(new AlertRules())));

    private async Task<Results<Ok<AlertRuleSettings>, ErrorResult>> SetPanelRulesAsync(HttpContext context)
    {
        var (settings, error) = await ReadRulesAsync(context);
        if (settings is null)
        {
            return new ErrorResult(error!);
        }

        await SaveRulesAsync(null, settings, context.RequestAborted);
        return TypedResults.Ok(AlertRuleSettings.Of(settings.Apply(new AlertRules())));
    }

    private async Task<Results<Ok<ServerAlertRules>, ErrorResult>> GetServerRulesAsync(string id, CancellationToken cancellationToken) =>
        await FindServerAsync(id, cancellationToken) is { } serverId
            ? TypedResults.Ok(await ServerRulesAsync(serverId, cancellationToken))
            : ErrorResult.NoSuchServer;

    private async Task<Results<Ok<ServerAlertRules>, ErrorResult>> SetServerRulesAsync(string id, HttpContext context)
    {
        var (settings, error) = await ReadRulesAsync(context);
        if (settings is null)
        {
            return new ErrorResult(error!);
        }

        return await SaveRulesAsync(id, settings, context.RequestAborted) is { } serverId
            ? TypedResults.Ok(await ServerRulesAsync(serverId, context.RequestAborted))
            : ErrorResult.NoSuchServer;
    }

    /// <summary>
    /// Stores valid settings, panel-wide (<paramref name="serverId"/> null) or a server's own, which is evaluated at
    /// once; also used by the pages. The scope stored, or null when there is no such server.
    /// </summary>
    internal async Task<string?> SaveRulesAsync(string? serverId, AlertRuleSettings settings, CancellationToken cancellationToken)
    {
        var scope = serverId is null ? AlertStore.PanelScope : await FindServerAsync(serverId, cancellationToken);
        if (scope is null)
        {
            return null;
        }

        await alerts.SetRuleSettingsAsync(scope, settings, time.GetUtcNow(), cancellationToken);
        if (serverId is not null)
        {
            service.EvaluateSoon(scope);
        }

        return scope;
    }

    internal async Task<string?> FindServerAsync(string id, CancellationToken cancellationToken) =>
        id is { Length: > 0 and <= 64 } && await store.GetServerAsync(id, cancellationToken) is { } server ? server.Id : null;

    /// <summary>Also used by the pages.</summary>
    internal async Task<ServerAlertRules> ServerRulesAsync(string serverId, CancellationToken cancellationToken) => new(
        serverId,
        await alerts.GetRuleSettingsAsync(serverId, cancellationToken),
        AlertRuleSettings.Of(await alerts.RulesForAsync(serverId, cancellationToken)));

    /// <summary>A valid settings body, or the error naming the field (nothing is stored then).</summary>
    private async Task<(AlertRuleSettings? Settings, ApiError? Error)> ReadRulesAsync(HttpContext context)
    {
        var (settings, error) = await AdminEndpoints.ReadAsync(context, PanelJsonContext.Default.AlertRuleSettings, options.MaxBodyBytes);
        error ??= settings is null ? new ApiError(400, "the body must be a JSON object") : settings.Validate();
        return error is null ? (settings, null) : (null, error);
    }

    private async Task<Results<Created<MuteView>, ErrorResult>> AddMuteAsync(string id, HttpContext context)
    {
        var (request, error) = await AdminEndpoints.ReadAsync(context, PanelJsonContext.Default.MuteRequest, options.MaxBodyBytes);
        error ??= request is null ? new ApiError(400, "the body must be a JSON object") : null;
        if (error is not null)
        {
            return new ErrorResult(error);
        }

        return await MuteAsync(id, request!.Container, request.Until, context.RequestAborted) switch
        {
            (_, { } invalid) => new ErrorResult(invalid),
            ({ } mute, null) => TypedResults.Created($"/api/admin/mutes/{mute.Id}", mute),
            _ => ErrorResult.NoSuchServer,
        };
    }

    /// <summary>Validates and stores a mute (also used by the pages); (null, null) when there is no such server.</summary>
    internal async Task<(MuteView? Mute, ApiError? Error)> MuteAsync(string id, string? container, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var error = Checks.Text("container", container, 128, required: false)
            ?? (container is "" ? ApiError.BadField("container", "must not be empty (leave it out to mute the whole server)") : null)
            ?? (until is not { } end ? ApiError.BadField("until", "required (RFC 3339 time, e.g. 2026-01-15T12:00:00Z)")
                : end <= now ? ApiError.BadField("until", "must be in the future")
                : end > now + MaxMute ? ApiError.BadField("until", $"must be within {MaxMute.TotalDays:0} days")
                : null);
        if (error is not null)
        {
            return (null, error);
        }

        if (await FindServerAsync(id, cancellationToken) is not { } serverId)
        {
            return (null, null);
        }

        var muteId = Ulid.NewUlid().ToString();
        await alerts.AddMuteAsync(muteId, new AlertMute(serverId, container, until!.Value), now, cancellationToken);
        var stored = (await alerts.ListMutesAsync(now, serverId, cancellationToken)).Single(m => m.Id == muteId);
        return (View(stored), null);
    }

    private async Task<Ok<MuteList>> ListMutesAsync(CancellationToken cancellationToken) =>
        TypedResults.Ok(new MuteList([.. (await alerts.ListMutesAsync(time.GetUtcNow(), null, cancellationToken)).Select(View)]));

    /// <summary>Also used by the pages: false when there is no such mute.</summary>
    internal async Task<bool> EndMuteAsync(string id, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await alerts.DeleteMuteAsync(id, cancellationToken) is not { } serverId)
        {
            return false;
        }

        service.EvaluateSoon(serverId);
        return true;
    }

    private async Task<Results<NoContent, ErrorResult>> DeleteMuteAsync(string id, CancellationToken cancellationToken) =>
        await EndMuteAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : new ErrorResult(new ApiError(StatusCodes.Status404NotFound, "no such mute", "id"));

    internal static MuteView View(StoredMute stored) => new()
    {
        Id = stored.Id,
        ServerId = stored.Mute.ServerId,
        Hostname = stored.Hostname,
        Container = stored.Mute.Container,
        Until = stored.Mute.Until,
        CreatedAt = stored.CreatedAt,
    };

    private async Task<Results<Created<AlertChannelView>, ErrorResult>> AddChannelAsync(HttpContext context)
    {
        var (request, error) = await AdminEndpoints.ReadAsync(context, PanelJsonContext.Default.AlertChannelRequest, options.MaxBodyBytes);
        if (error is not null || request is null)
        {
            return new ErrorResult(error ?? ApiError.BadField("kind", "required"));
        }

        var (channel, invalid) = await AddChannelAsync(request, context.RequestAborted);
        if (channel is null)
        {
            return new ErrorResult(invalid!);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/admin/alert-channels/{channel.Id}", View(channel) with { Secret = channel.Secret });
    }

    /// <summary>Validates and stores a channel (also used by the pages): the channel, or the error naming the field (nothing stored).</summary>
    internal async Task<(AlertChannel? Channel, ApiError? Error)> AddChannelAsync(AlertChannelRequest request, CancellationToken cancellationToken)
    {
        var (channel, invalid) = AlertChannelValidator.Validate(request, options.SmtpPassword is not null, Ulid.NewUlid().ToString(), time.GetUtcNow());
        if (channel is not null)
        {
            await alerts.AddChannelAsync(channel, channel.CreatedAt, cancellationToken);
        }

        return (channel, invalid);
    }

    private async Task<Ok<AlertChannelList>> ListChannelsAsync(CancellationToken cancellationToken) =>
        TypedResults.Ok(new AlertChannelList([.. (await alerts.ListChannelsAsync(cancellationToken)).Select(View)]));

    private async Task<Results<NoContent, ErrorResult>> DeleteChannelAsync(string id, CancellationToken cancellationToken) =>
        await RemoveChannelAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : new ErrorResult(new ApiError(StatusCodes.Status404NotFound, "no such alert channel", "id"));

    /// <summary>Also used by the pages: false when there is no such channel.</summary>
    internal async Task<bool> RemoveChannelAsync(string id, CancellationToken cancellationToken) =>
        id.Length <= 64 && await alerts.DeleteChannelAsync(id, cancellationToken);

    private async Task<Results<Ok<DeliveryList>, ErrorResult>> ListDeliveriesAsync(string id, CancellationToken cancellationToken) =>
        WireText.TryParseDigits(id, out var eventId) && await alerts.ListDeliveriesAsync(eventId, null, cancellationToken) is { } deliveries
            ? TypedResults.Ok(new DeliveryList(eventId, [.. deliveries.Select(View)]))
            : new ErrorResult(new ApiError(StatusCodes.Status404NotFound, "no such alert", "id"));

    internal static DeliveryView View(Delivery delivery) => new()
    {
        ChannelId = delivery.ChannelId,
        ChannelKind = delivery.ChannelKind,
        Repeat = delivery.Repeat,
        State = delivery.State,
        Attempts = delivery.Attempts,
        DeliveredAt = delivery.DeliveredAt,
        NextAttemptAt = delivery.State == "retrying" || delivery.State == "pending" ? delivery.NextAttemptAt : null,
        LastError = delivery.DeliveredAt is null ? delivery.LastError : null,
    };

    private async Task<Results<Ok<ChannelTestResult>, ErrorResult>> TestChannelAsync(string id, CancellationToken cancellationToken) =>
        await SendTestAsync(id, cancellationToken) is { } result
            ? TypedResults.Ok(result)
            : new ErrorResult(new ApiError(StatusCodes.Status404NotFound, "no such alert channel", "id"));

    /// <summary>Also used by the pages: null when there is no such channel.</summary>
    internal async Task<ChannelTestResult?> SendTestAsync(string id, CancellationToken cancellationToken)
    {
        if ((await alerts.ListChannelsAsync(cancellationToken)).FirstOrDefault(c => c.Id == id) is not { } channel)
        {
            return null;
        }

        var test = new AlertEvent(0, "", "UPanel", "test", null, true, "Test notification from UPanel: this channel works", time.GetUtcNow(), false);
        var error = await sender.PostAsync(new Notification(0, 1, 0, test, channel), cancellationToken);
        return new ChannelTestResult(error is null, error);
    }

    private async Task<Results<Ok<AlertEventList>, ErrorResult>> ListEventsAsync(string? limitText, CancellationToken cancellationToken)
    {
        var limit = 100L;
        if (limitText is { Length: > 0 } && (!WireText.TryParseDigits(limitText, out limit) || limit < 1 || limit > MaxEventsPage))
        {
            return new ErrorResult(ApiError.BadField("limit", $"must be a whole number from 1 to {MaxEventsPage}"));
        }

        var events = await alerts.ListEventsAsync((int)limit, cancellationToken);
        return TypedResults.Ok(new AlertEventList([.. events.Select(e => new AlertEventView
        {
            Id = e.Id,
            ServerId = e.ServerId,
            Hostname = e.Hostname,
            Kind = e.Kind,
            Container = e.Container,
            State = e.Firing ? "firing" : "resolved",
            Summary = e.Summary,
            At = e.At,
            Muted = e.Muted,
        })]));
    }

    /// <summary>The URL up to its host: Slack's and Discord's webhook URLs carry their secret in the path.</summary>
    internal static AlertChannelView View(AlertChannel channel) => new()
    {
        Id = channel.Id,
        Kind = channel.Kind,
        Url = channel.Email is null ? new Uri(channel.Url).GetLeftPart(UriPartial.Authority) + "/…" : channel.Url,
        CreatedAt = channel.CreatedAt,
        Tls = channel.Email?.Tls,
        From = channel.Email?.From,
        To = channel.Email?.To,
        Username = channel.Email?.Username,
        CaFile = channel.Email?.CaFile,
    };
}
