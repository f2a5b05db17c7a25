using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Api.Admin;
using UPanel.Panel.Api.Auth;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Api;

/// <summary>The admin API under <c>/api/admin</c>: install tokens, servers and their state, token rotation and revocation.</summary>
internal sealed class AdminEndpoints(
    IPanelStore store,
    Alerts.AlertStore alerts,
    InstallTokenIssuer installTokens,
    TokenSealer sealer,
    PanelOptions options,
    TimeProvider time,
    ILogger<AdminEndpoints> logger)
{
    public const string GroupName = "admin";

    public const int MaxHistoryPage = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin")
            .RequireAuthorization(AuthSchemes.AdminApi)
            .WithGroupName(GroupName)
            .WithTags("admin")
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound);
        admin.MapPost("/install-tokens", ([FromServices] AdminEndpoints e, HttpContext context) => e.CreateInstallTokenAsync(context))
            .WithName("CreateInstallToken").WithSummary("Create an install token (body optional: expires_in_seconds, default 24 h)")
            .AcceptsJson<InstallTokenRequest>(optional: true);
        admin.MapGet("/servers", ([FromServices] AdminEndpoints e, CancellationToken cancellationToken) => e.ListServersAsync(cancellationToken))
            .WithName("ListServers").WithSummary("Servers with their latest state (online: a heartbeat within offline_after_intervals of its intervals, 3 by default)");
        admin.MapGet("/servers/{id}", ([FromServices] AdminEndpoints e, string id, CancellationToken cancellationToken) => e.GetServerAsync(id, cancellationToken))
            .WithName("GetServer").WithSummary("One server with its latest state");
        admin.MapGet(
                "/servers/{id}/heartbeats",
                ([FromServices] AdminEndpoints e, string id, [FromQuery, Description("page size, 1 to 1000 (default 100)")] string? limit, [FromQuery, Description("next_before of the previous page")] string? before, CancellationToken cancellationToken) =>
                    e.GetHeartbeatsAsync(id, limit, before, cancellationToken))
            .WithName("GetHeartbeats").WithSummary($"History, newest first (?limit=1..{MaxHistoryPage}, default 100; ?before=next_before)");
        admin.MapGet("/servers/{id}/containers", ([FromServices] AdminEndpoints e, string id, CancellationToken cancellationToken) => e.GetContainersAsync(id, cancellationToken))
            .WithName("GetContainers").WithSummary("Containers of the latest heartbeat (null: Docker was not reachable)");
        admin.MapPost("/servers/{id}/rotate-token", ([FromServices] AdminEndpoints e, string id, HttpResponse response, CancellationToken cancellationToken) => e.RotateTokenAsync(id, response, cancellationToken))
            .WithName("RotateToken").WithSummary("New agent token, handed out in the next heartbeat response; the old one works until the new one is used or 24 h pass");
        admin.MapPost("/servers/{id}/revoke", ([FromServices] AdminEndpoints e, string id, CancellationToken cancellationToken) => e.RevokeAsync(id, cancellationToken))
            .WithName("RevokeServer").WithSummary("Revoke every token of the server at once");
        admin.MapPost("/servers/{id}/settings", ([FromServices] AdminEndpoints e, string id, HttpContext context) => e.ChangeSettingsAsync(id, context))
            .WithName("ChangeServerSettings").WithSummary("Heartbeat interval and target agent version (update_available when the agent differs)")
            .AcceptsJson<ServerSettingsRequest>();
    }

    private async Task<Results<Ok<InstallTokenResponse>, ErrorResult>> CreateInstallTokenAsync(HttpContext context)
    {
        var lifetime = options.DefaultInstallTokenLifetime;
        if (context.Request.ContentLength is not 0 && (context.Request.ContentLength is not null || context.Request.ContentType is not null))
        {
            var (request, error) = await ReadAsync(context, PanelJsonContext.Default.InstallTokenRequest);
            if (error is not null)
            {
                return new ErrorResult(error);
            }

            if (request?.ExpiresInSeconds is { } seconds)
            {
                if (seconds < 60 || seconds > InstallTokenIssuer.MaxLifetime.TotalSeconds)
                {
                    return new ErrorResult(ApiError.BadField("expires_in_seconds", $"must be between 60 and {InstallTokenIssuer.MaxLifetime.TotalSeconds:0}"));
                }

                lifetime = TimeSpan.FromSeconds(seconds);
            }
        }

        var (token, expiresAt) = await installTokens.CreateAsync(lifetime, context.RequestAborted);
        Log.InstallTokenCreated(logger, expiresAt);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new InstallTokenResponse { InstallToken = token, ExpiresAt = expiresAt });
    }

    private async Task<Ok<ServerList>> ListServersAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var servers = await store.ListServersAsync(cancellationToken);
        var rules = await alerts.RulesForEveryServerAsync(cancellationToken);
        return TypedResults.Ok(new ServerList([.. servers.Select(s => View(s, now, rules(s.Id).OfflineAfterIntervals))]));
    }

    private async Task<Results<Ok<ServerView>, ErrorResult>> GetServerAsync(string id, CancellationToken cancellationToken) =>
        await FindAsync(id, cancellationToken) is { } server ? TypedResults.Ok(await ViewAsync(server, cancellationToken)) : ErrorResult.NoSuchServer;

    private async Task<Results<Ok<HeartbeatPage>, ErrorResult>> GetHeartbeatsAsync(string id, string? limitText, string? beforeText, CancellationToken cancellationToken)
    {
        // ASCII digits only (long.TryParse would read "1\0" as 1).
        var limit = 100L;
        long? before = null;
        if (limitText is { Length: > 0 } && (!WireText.TryParseDigits(limitText, out limit) || limit < 1 || limit > MaxHistoryPage))
        {
            return new ErrorResult(ApiError.BadField("limit", $"must be a whole number from 1 to {MaxHistoryPage}"));
        }

        if (beforeText is { Length: > 0 })
        {
            if (!WireText.TryParseDigits(beforeText, out var beforeId))
            {
                return new ErrorResult(ApiError.BadField("before", "must be a next_before value from a previous page"));
            }

            before = beforeId;
        }

        if (await FindAsync(id, cancellationToken) is not { } server)
        {
            return ErrorResult.NoSuchServer;
        }

        var rows = await store.GetHeartbeatsAsync(server.Id, before, (int)limit, cancellationToken);
        return TypedResults.Ok(new HeartbeatPage(
            server.Id,
            [.. rows.Select(r => new HeartbeatView
            {
                Id = r.Id,
                HeartbeatId = r.HeartbeatId,
                Seq = r.Seq,
                Timestamp = r.SampleAt,
                ReceivedAt = r.ReceivedAt,
                TimestampFromReceipt = r.TimestampFromReceipt ? true : null,
                AgentVersion = r.AgentVersion,
                Metrics = r.Metrics,
                ContainerCount = r.ContainerCount,
            })],
            rows.Count == limit ? rows[^1].Id : null));
    }

    private async Task<Results<Ok<ContainerList>, ErrorResult>> GetContainersAsync(string id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } server)
        {
            return ErrorResult.NoSuchServer;
        }

        var latest = await store.GetLatestHeartbeatAsync(server.Id, cancellationToken);
        return TypedResults.Ok(new ContainerList { ServerId = server.Id, SampleAt = latest?.Timestamp, Containers = latest is null ? [] : latest.Containers });
    }

    /// <summary>Also used by the pages: the new token, and until when the agent's current one keeps working.</summary>
    internal async Task<RotateTokenResponse?> RotateAsync(string id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } server)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var token = Secrets.NewToken();
        var until = now + options.RotationOverlap;
        if (!await store.RotateTokenAsync(server.Id, Secrets.Hash(token), sealer.Seal(token, server.Id), now, until, cancellationToken))
        {
            return null;
        }

        Log.TokenRotated(logger, server.Id, until);
        return new RotateTokenResponse { ServerId = server.Id, AgentToken = token, PreviousTokenValidUntil = server.RevokedAt is null ? until : null };
    }

    private async Task<Results<Ok<RotateTokenResponse>, ErrorResult>> RotateTokenAsync(string id, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await RotateAsync(id, cancellationToken) is not { } rotated)
        {
            return ErrorResult.NoSuchServer;
        }

        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(rotated);
    }

    /// <summary>Also used by the pages.</summary>
    internal async Task<ServerView?> RevokeServerAsync(string id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } server)
        {
            return null;
        }

        await store.RevokeAsync(server.Id, time.GetUtcNow(), cancellationToken);
        Log.ServerRevoked(logger, server.Id);
        return await FindAsync(id, cancellationToken) is { } revoked ? await ViewAsync(revoked, cancellationToken) : null;
    }

    private async Task<Results<Ok<ServerView>, ErrorResult>> RevokeAsync(string id, CancellationToken cancellationToken) =>
        await RevokeServerAsync(id, cancellationToken) is { } revoked ? TypedResults.Ok(revoked) : ErrorResult.NoSuchServer;

    private async Task<Results<Ok<ServerView>, ErrorResult>> ChangeSettingsAsync(string id, HttpContext context)
    {
        var (request, error) = await ReadAsync(context, PanelJsonContext.Default.ServerSettingsRequest);
        error ??= request is null ? new ApiError(400, "the body must be a JSON object") : null;
        if (error is not null)
        {
            return new ErrorResult(error);
        }

        return await ApplySettingsAsync(id, request!, context.RequestAborted) switch
        {
            (_, { } invalid) => new ErrorResult(invalid),
            ({ } changed, null) => TypedResults.Ok(changed),
            _ => ErrorResult.NoSuchServer,
        };
    }

    /// <summary>Validates and stores per-server settings (also used by the pages); (null, null) when there is no such server.</summary>
    internal async Task<(ServerView? Server, ApiError? Error)> ApplySettingsAsync(string id, ServerSettingsRequest request, CancellationToken cancellationToken)
    {
        var error = Checks.Range("next_heartbeat_seconds", request.NextHeartbeatSeconds, 5, 3600)
            ?? Checks.Text("target_agent_version", request.TargetAgentVersion, 64, required: false)
            ?? Checks.Text("update_url", request.UpdateUrl, 512, required: false);
        if (error is not null)
        {
            return (null, error);
        }

        if (await FindAsync(id, cancellationToken) is not { } server)
        {
            return (null, null);
        }

        await store.UpdateSettingsAsync(server.Id, new ServerSettings(request.NextHeartbeatSeconds, request.TargetAgentVersion, request.UpdateUrl), cancellationToken);
        Log.SettingsChanged(logger, server.Id);
        return (await FindAsync(id, cancellationToken) is { } changed ? await ViewAsync(changed, cancellationToken) : null, null);
    }

    private async Task<ServerRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        id is { Length: > 0 and <= 64 } ? await store.GetServerAsync(id, cancellationToken) : null;

    private Task<(T? Value, ApiError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class => ReadAsync(context, typeInfo, options.MaxBodyBytes);

    /// <summary>An admin request's JSON body: a clear 400 for what is not one (size, encoding, shape).</summary>
    internal static async Task<(T? Value, ApiError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, long maxBodyBytes)
        where T : class
    {
        var (body, error) = await RequestBody.ReadJsonAsync(context.Request, maxBodyBytes, context.RequestAborted);
        if (error is not null)
        {
            return (null, error);
        }

        try
        {
            return (JsonSerializer.Deserialize(body, typeInfo), null);
        }
        catch (JsonException exception)
        {
            return (null, JsonErrors.Describe(exception));
        }
    }

    /// <summary>Also used by the pages: the server now, offline after the intervals its rules say.</summary>
    internal async Task<ServerView> ViewAsync(ServerRecord server, CancellationToken cancellationToken) =>
        View(server, time.GetUtcNow(), (await alerts.RulesForAsync(server.Id, cancellationToken)).OfflineAfterIntervals);

    /// <summary>
    /// Offline after <paramref name="offlineAfterIntervals"/> intervals without a heartbeat (the server's rule setting
    /// <c>offline_after_intervals</c>, as the offline alert; the panel's receive time decides, not the agent's clock).
    /// </summary>
    internal static ServerView View(ServerRecord server, DateTimeOffset now, int offlineAfterIntervals)
    {
        var offlineAfter = offlineAfterIntervals * server.NextHeartbeatSeconds;
        var online = server.RevokedAt is null && server.LastSeenAt is { } seen && now - seen <= TimeSpan.FromSeconds(offlineAfter);
        var status = server.RevokedAt is not null ? "revoked" : server.LastSeenAt is null ? "never_seen" : online ? "online" : "offline";
        return new ServerView
        {
            Id = server.Id,
            Hostname = server.Hostname,
            OsVersion = server.OsVersion,
            CpuCores = server.CpuCores,
            RamMb = server.RamMb,
            DiskGb = server.DiskGb,
            MachineId = server.MachineId,
            Status = status,
            Online = online,
            AgentVersion = server.LatestAgentVersion ?? server.RegisteredAgentVersion,
            CreatedAt = server.CreatedAt,
            LastSeenAt = server.LastSeenAt,
            LatestSampleAt = server.LatestSampleAt,
            LatestSeq = server.LatestSeq,
            NextHeartbeatSeconds = server.NextHeartbeatSeconds,
            OfflineAfterSeconds = offlineAfter,
            ContainerCount = server.LatestContainerCount,
            Metrics = server.LatestMetrics,
            TargetAgentVersion = server.TargetAgentVersion,
            UpdateUrl = server.UpdateUrl,
            TokenRotationPending = server.RotationPending,
            PreviousTokenValidUntil = server.PreviousTokenExpiresAt,
            RevokedAt = server.RevokedAt,
        };
    }
}
